// The train/coordinator side of --init-from: reads the flags, loads the source and matches it against the
// networks this config builds (built here only for their weight names and shapes, then disposed).
import type { Config } from '../config/index.js';
import type { Dataset } from '../data/index.js';
import { UsageError } from '../errors.js';
import { modelFamily } from '../models/index.js';
import { loadInitSource, planWarmStart, type WarmStartPlan, type WeightLayout } from './warm-start.js';

export interface WarmStartFlags {
  /** --init-from: checkpoint, run folder, export folder or zoo:<name>. */
  initFrom?: string;
  /** --init G,D[,EMA]: the networks to load (default: all this model shares with the source). */
  init?: string;
  strict?: boolean;
  partial?: boolean;
}

/** Undefined without --init-from; else the plan (a strict mismatch throws before any folder is made). */
export async function prepareWarmStart(flags: WarmStartFlags, config: Readonly<Config>, data: Dataset): Promise<WarmStartPlan | undefined> {
  if (!flags.initFrom) {
    if (flags.init || flags.partial || flags.strict) throw new UsageError('--init, --strict and --partial go with --init-from <checkpoint>');
    return undefined;
  }
  if (flags.partial && flags.strict) throw new UsageError('--strict and --partial: choose one');
  const only = flags.init?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (only && only.length === 0) throw new UsageError('--init: name the networks to load, e.g. --init G,D');
  const source = await loadInitSource(flags.initFrom);
  const nets = modelFamily(config.model.family).build(config.model, { height: data.height, width: data.width, channels: data.channels });
  const layouts: Record<string, WeightLayout> = {};
  try {
    for (const [name, model] of Object.entries(nets)) {
      layouts[name] = { names: model.weights.map((w) => w.originalName), shapes: model.weights.map((w) => w.shape as number[]) };
    }
  } finally {
    for (const m of Object.values(nets)) m.dispose();
  }
  return planWarmStart(layouts, source, { only, partial: flags.partial });
}
