// Multi-stage training: the run's config as one stage of `config.stages` sees it. A stage overrides training
// fields for its steps (loss, gan penalties, n_critic, batch size, frozen layers; learning rates through the
// schedule); the effective config of a step is a pure function of (stage index, config), so the coordinator, every
// worker and a resumed run derive the same one from the config they already hold (DESIGN.md §3, §5).
import type { Config } from './schema.js';
import type { StageConfig } from './progressive.js';

/** Effective configs by stage index, per run config: built once, so a stage's sections keep one identity. */
const memo = new WeakMap<Readonly<Config>, Readonly<Config>[]>();
/** The run config each effective config was made from. */
const runs = new WeakMap<Readonly<Config>, Readonly<Config>>();

/**
 * The run's own config behind an effective one (itself for a run config). The stage schedule is a function of the
 * run's config: a stage's overrides (its batch size, n_critic) must not leak into where the other stages lie.
 */
export function runConfig(config: Readonly<Config>): Readonly<Config> {
  return runs.get(config) ?? config;
}

/** A copy of `base` with `over`'s keys set, nested sections merged key by key (arrays replaced whole); frozen. */
function merged<T extends object>(base: T, over: object | undefined): T {
  if (!over) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' ? merged(b, v as object) : v;
  }
  return Object.freeze(out) as T;
}

/** Whether a stage sets any field of the run's config (not only its resolution and length). */
function overrides(s: StageConfig): boolean {
  return s.loss !== undefined || s.gan !== undefined || s.nCritic !== undefined || s.batchSize !== undefined || s.freeze !== undefined;
}

/**
 * The config of stage `index`: the run's, with the stage's `loss`, `gan`, `nCritic`, `batchSize` and `freeze`
 * in place of the run's own. The run's config itself when the stage overrides none of them (or there are no
 * stages), so runs without stage overrides compute exactly what they did before stages could override fields.
 */
export function stageConfig(of: Readonly<Config>, index: number | undefined): Readonly<Config> {
  const config = runConfig(of);
  const s = index === undefined ? undefined : config.stages[index];
  if (!s || !overrides(s)) return config;
  let all = memo.get(config);
  if (!all) memo.set(config, (all = []));
  let c = all[index!];
  if (!c) {
    c = Object.freeze({
      ...config,
      loss: s.loss ?? config.loss,
      gan: merged(config.gan, s.gan),
      train: merged(config.train, { nCritic: s.nCritic, batchSize: s.batchSize }),
      freeze: s.freeze ?? config.freeze,
    });
    all[index!] = c;
    runs.set(c, config);
  }
  return c;
}

/** Whether stage `index` trains network `net` (`trainNetworks`; every network when absent). */
export function stageTrains(config: Readonly<Config>, index: number | undefined, net: string): boolean {
  const list = index === undefined ? undefined : runConfig(config).stages[index]?.trainNetworks;
  return !list || list.includes(net);
}
