// Progressive growing's stage schedule (Karras et al. 2018 §3): a pure function of (step, config), so every
// worker and a resumed coordinator derive the same resolution, fade-in alpha and batch size for a step.
// Each stage after the first fades its new layers in over `fadeImages` images (alpha = images seen / fadeImages,
// so its first step runs at alpha 0), then trains `stableImages` images at alpha 1; a phase lasts
// ceil(images / batchSize) steps. The last stage runs on to train.steps.
import type { Config } from '../config/index.js';
import { modelFamily, type GrowthStage } from '../models/index.js';

/** Where a step stands in the progressive schedule. */
export interface Stage {
  /** Index into config.stages. */
  index: number;
  /** Image side the networks work at (G's output before upsampling, D's input after pooling). */
  resolution: number;
  /** Weight of the new layers during fade-in, in [0, 1); 1 when stable. */
  alpha: number;
  /** The global batch size B of this stage. */
  batchSize: number;
}

interface Phase { stage: number; start: number; steps: number; fade: boolean }

/** The fade and stabilise phases of the stages, in steps, the last one open-ended (cheap: no cache to go stale). */
function phases(config: Readonly<Config>): Phase[] {
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

/** The stage of `step` (0-based), or undefined when the config lists no stages. */
export function stageAt(step: number, config: Readonly<Config>): Stage | undefined {
  if (config.stages.length === 0) return undefined;
  const p = phaseAt(step, config);
  const s = config.stages[p.stage];
  return {
    index: p.stage,
    resolution: s.resolution,
    alpha: p.fade ? (step - p.start) / p.steps : 1,
    batchSize: s.batchSize ?? config.train.batchSize,
  };
}

/** The global batch size of `step`: its stage's, else train.batchSize. */
export function batchSizeAt(step: number, config: Readonly<Config>): number {
  return stageAt(step, config)?.batchSize ?? config.train.batchSize;
}

/** Real batches one step consumes (n_critic for GANs, 1 for VAEs). */
function batchesPerStep(config: Readonly<Config>): number {
  return modelFamily(config.model.family).kind === 'vae' ? 1 : config.train.nCritic;
}

/**
 * Real samples consumed by steps [0, step): where in the sampler's endless stream `step`'s first batch starts.
 * Without stages this is step * n * B, so batch k of a step starts at global batch number * B as before.
 */
export function samplesBefore(step: number, config: Readonly<Config>): number {
  const n = batchesPerStep(config);
  if (config.stages.length === 0) return step * n * config.train.batchSize;
  let total = 0;
  for (const p of phases(config)) {
    if (step <= p.start) break;
    total += Math.min(step - p.start, p.steps) * n * (config.stages[p.stage].batchSize ?? config.train.batchSize);
  }
  return total;
}

/** The shape the networks have at `step`: the stage's resolution, and whether the previous one still fades out. */
export function growthAt(step: number, config: Readonly<Config>): GrowthStage | undefined {
  const stage = stageAt(step, config);
  return stage && { resolution: stage.resolution, fading: stage.alpha < 1 };
}

/** Whether two growth stages build the same networks. */
export function sameGrowth(a: GrowthStage | undefined, b: GrowthStage | undefined): boolean {
  return a?.resolution === b?.resolution && a?.fading === b?.fading;
}
