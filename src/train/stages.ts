// Progressive growing's stage schedule (Karras et al. 2018 §3): a pure function of (step, config), so every
// worker and a resumed coordinator derive the same resolution, fade-in alpha and batch size for a step.
// Each stage after the first fades its new layers in over `fadeImages` images (alpha = images seen / fadeImages,
// so its first step runs at alpha 0), then trains `stableImages` images at alpha 1; a phase lasts
// ceil(images / batchSize) steps. The last stage runs on to train.steps.
// Stages also serve families that do not grow (multi-stage training in general): a stage without a resolution
// keeps the previous one's (none at all for such families), has no fade, and only overrides training fields
// (src/config/stage-config.ts), such as n_critic, so the sample stream positions sum each phase's own use.
import type { Config } from '../config/index.js';
import { modelFamily, type GrowthStage } from '../models/index.js';
import { runConfig, stageConfig, stageTrains } from '../config/stage-config.js';

/** Where a step stands in the progressive schedule. */
export interface Stage {
  /** Index into config.stages. */
  index: number;
  /**
   * Image side the networks work at (G's output before upsampling, D's input after pooling): the stage's, else the
   * last earlier stage's; undefined when no stage so far names one (families that do not grow).
   */
  resolution?: number;
  /** Weight of the new layers during fade-in, in [0, 1); 1 when stable. */
  alpha: number;
  /** The global batch size B of this stage. */
  batchSize: number;
}

interface Phase { stage: number; start: number; steps: number; fade: boolean }

/** The fade and stabilise phases of the stages, in steps, the last one open-ended (cheap: no cache to go stale). */
function phases(of: Readonly<Config>): Phase[] {
  const config = runConfig(of); // a stage's effective config (src/config/stage-config.ts) schedules as its run
  const out: Phase[] = [];
  let start = 0;
  config.stages.forEach((s, i) => {
    const b = s.batchSize ?? config.train.batchSize;
    const fade = i === 0 ? 0 : Math.ceil(s.fadeImages / b);
    const stable = i === config.stages.length - 1 ? Infinity : Math.ceil(s.stableImages / b);
    if (fade > 0) out.push({ stage: i, start, steps: fade, fade: true });
    start += fade;
    out.push({ stage: i, start, steps: stable, fade: false });
    start += stable;
  });
  return out;
}

function phaseAt(step: number, config: Readonly<Config>): Phase {
  const all = phases(config);
  return all.find((p) => step < p.start + p.steps) ?? all[all.length - 1];
}

/** The first step of each stage, by index (a stage of no steps is absent: its successor starts there). */
export function stageStarts(of: Readonly<Config>): Map<number, number> {
  const config = runConfig(of);
  const starts = new Map<number, number>();
  for (const p of phases(config)) if (p.steps > 0 && !starts.has(p.stage)) starts.set(p.stage, p.start);
  return starts;
}

/** The stage of `step` (0-based), or undefined when the config lists no stages. */
export function stageAt(step: number, of: Readonly<Config>): Stage | undefined {
  const config = runConfig(of);
  if (config.stages.length === 0) return undefined;
  const p = phaseAt(step, config);
  const s = config.stages[p.stage];
  return {
    index: p.stage,
    resolution: config.stages.slice(0, p.stage + 1).reverse().find((t) => t.resolution !== undefined)?.resolution,
    alpha: p.fade ? (step - p.start) / p.steps : 1,
    batchSize: s.batchSize ?? config.train.batchSize,
  };
}

/** The global batch size of `step`: its stage's, else train.batchSize. */
export function batchSizeAt(step: number, of: Readonly<Config>): number {
  const config = runConfig(of);
  return stageAt(step, config)?.batchSize ?? config.train.batchSize;
}

/** The effective config of `step`: its stage's overrides over the run's fields (src/config/stage-config.ts). */
export function configAt(step: number, of: Readonly<Config>): Readonly<Config> {
  const config = runConfig(of);
  return config.stages.length === 0 ? config : stageConfig(config, stageAt(step, config)!.index);
}

/** Whether `step` trains network `net` (its stage's `trainNetworks`; always without stages). */
export function trainsAt(step: number, of: Readonly<Config>, net: string): boolean {
  const config = runConfig(of);
  return config.stages.length === 0 || stageTrains(config, stageAt(step, config)!.index, net);
}

/**
 * Real batches one step of stage `index` consumes: 1 for VAEs; for GANs n_critic when D trains, else 1 when G's
 * feature matching needs real images, else none.
 */
function batchesPerStep(config: Readonly<Config>, index?: number): number {
  if (modelFamily(config.model.family).kind === 'vae') return 1;
  const c = stageConfig(config, index);
  if (stageTrains(config, index, 'D')) return c.train.nCritic;
  return stageTrains(config, index, 'G') && c.gan.generatorLoss === 'feature-matching' ? 1 : 0;
}

/** Sums `per(stage, steps)` over the phases before `step`. */
function sumBefore(step: number, config: Readonly<Config>, per: (stage: number, steps: number) => number): number {
  let total = 0;
  for (const p of phases(config)) {
    if (step <= p.start) break;
    total += per(p.stage, Math.min(step - p.start, p.steps));
  }
  return total;
}

/** Real batches consumed by steps [0, step): step * n_critic for GANs without stages, step for VAEs. */
export function batchesBefore(step: number, of: Readonly<Config>): number {
  const config = runConfig(of);
  if (config.stages.length === 0) return step * batchesPerStep(config);
  return sumBefore(step, config, (stage, steps) => steps * batchesPerStep(config, stage));
}

/**
 * Real samples consumed by steps [0, step): where in the sampler's endless stream `step`'s first batch starts.
 * Without stages this is step * n * B, so batch k of a step starts at global batch number * B as before.
 */
export function samplesBefore(step: number, of: Readonly<Config>): number {
  const config = runConfig(of);
  if (config.stages.length === 0) return step * batchesPerStep(config) * config.train.batchSize;
  return sumBefore(step, config, (stage, steps) => steps * batchesPerStep(config, stage) * (config.stages[stage].batchSize ?? config.train.batchSize));
}

/** The shape the networks have at `step`: the stage's resolution, and whether the previous one still fades out. */
export function growthAt(step: number, of: Readonly<Config>): GrowthStage | undefined {
  const config = runConfig(of);
  const stage = stageAt(step, config);
  if (!stage || stage.resolution === undefined || !modelFamily(config.model.family).stageOfWeights) return undefined; // a family that does not grow
  return { resolution: stage.resolution, fading: stage.alpha < 1 };
}

/** Whether two growth stages build the same networks. */
export function sameGrowth(a: GrowthStage | undefined, b: GrowthStage | undefined): boolean {
  return a?.resolution === b?.resolution && a?.fading === b?.fading;
}
