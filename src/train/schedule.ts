// Schedules are pure functions of (step, config) (DESIGN.md §5): a resumed run computes what the
// uninterrupted run would have.
import type { Config } from '../config/index.js';
import { modelFamily } from '../models/index.js';
import { DREG_TAG } from './gan-objectives.js';
import { decayedLr } from './lr-decay.js';
import { runConfig } from '../config/stage-config.js';
import { batchesBefore as stageBatchesBefore, configAt, stageAt, trainsAt, type Stage } from './stages.js';

export interface Round {
  /** The phase whose objective the round optimises: 'D', 'G' or 'VAE'. */
  phase: string;
  /** The round's name within its step ('D0', 'D1', 'G', 'VAE'): part of every RNG key. */
  tag: string;
  /** Global batch number of the real data it consumes, or -1 when it uses none. */
  batch: number;
}

export interface StepPlan {
  rounds: Round[];
  lr: Record<string, number>;
  /** Progressive growing: the step's resolution, fade-in alpha and batch size (absent without config.stages). */
  stage?: Stage;
}

/** The rounds and learning rates of `step` (0-based). */
export function schedule(step: number, of: Readonly<Config>): StepPlan {
  const config = runConfig(of); // the run's, also when handed a stage's effective config
  const family = modelFamily(config.model.family);
  const lr: Record<string, number> = {};
  const stageLr = config.stages.length > 0 ? config.stages[stageAt(step, config)!.index].lr : undefined; // a stage's own base rates
  for (const [phase, opt] of Object.entries(config.optimizer)) if (opt) lr[phase] = decayedLr(stageLr?.[phase as 'D'] ?? opt.lr, opt.decay, step, config.train.steps);
  const stage = stageAt(step, config);
  if (family.kind === 'vae') return { rounds: [{ phase: 'VAE', tag: 'VAE', batch: step }], lr, ...(stage ? { stage } : {}) };
  // A stage may override n_critic, the penalties and G's loss, and train only some networks (src/config/stage-config.ts).
  const c = configAt(step, config);
  const trainsD = trainsAt(step, config, 'D');
  const { nCritic: n, nGen } = c.train;
  const first = batchesBefore(step, config); // global batch number of the step's first real batch
  const rounds: Round[] = [];
  if (trainsD) for (let k = 0; k < n; k++) rounds.push({ phase: 'D', tag: `D${k}`, batch: first + k });
  // Lazy R1 (StyleGAN2): its own D round every k steps, on the step's first real batch.
  const { gamma, every } = c.gan.r1;
  if (trainsD && gamma > 0 && every > 1 && step % every === 0) rounds.push({ phase: 'D', tag: DREG_TAG, batch: first });
  // Feature matching compares with real features: G's rounds reuse the step's last real batch (its own when D rests).
  const gBatch = c.gan.generatorLoss === 'feature-matching' ? first + (trainsD ? n - 1 : 0) : -1;
  if (trainsAt(step, config, 'G')) for (let k = 0; k < nGen; k++) rounds.push({ phase: 'G', tag: nGen === 1 ? 'G' : `G${k}`, batch: gBatch });
  return { rounds, lr, ...(stage ? { stage } : {}) };
}

/** Real batches consumed by steps [0, step): where the sampler stands at the start of `step`. */
export function batchesBefore(step: number, config: Readonly<Config>): number {
  return stageBatchesBefore(step, config);
}
