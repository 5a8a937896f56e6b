// Gradients of one micro-shard's share of the batch loss (DESIGN.md §3), the analogue of StyleGAN2's
// accumulate_gradients(phase): one function per phase, every random draw keyed by (seed, step, tag, shard).
import * as tf from '@tensorflow/tfjs';
import { negElboSums, reparameterise } from '../losses/index.js';
import type { Config, MlpVaeConfig } from '../config/index.js';
import type { ImageShape, ModelFamily } from '../models/index.js';
import { ganDObjective, ganGObjective } from './gan-objectives.js';
import { normal, pixels } from './shard-inputs.js';
import { inShard, ShardContext } from '../models/layers/shard-context.js';
import { stateContributions } from './shard-state.js';
import { reconstructionSum } from '../losses/gaussian-decoder.js';
import { CONDITIONAL_OBJECTIVES } from './conditional-objectives.js';
import { batchSizeAt, configAt } from './stages.js';
import { frozenWeights } from './freeze.js';
import { ownedFloat32 } from '../backend/owned-data.js';

/** One micro-shard of one round. `x` holds the shard's images as uint8 [count, H, W, C] when the phase uses data. */
export interface ShardTask {
  phase: string; // 'D' | 'G' | 'VAE'
  tag: string; // the round's name within its step, e.g. 'D0', 'G', 'VAE': part of every RNG key
  step: number;
  shard: number;
  count: number; // samples in this shard (batchSize / microShards)
  x?: Uint8Array;
  /** The shard's class labels (uint8 [count]) when the family is conditional and the phase uses data. */
  y?: Uint8Array;
}

export interface ShardGradients {
  /** One array per trainable weight of the networks the phase updates, in their order. */
  grads: Float32Array[];
  /** Contributions to batch means (already divided by the batch size), summed by the coordinator. */
  stats: Record<string, number>;
}

/** Everything a replica needs to compute shard gradients. */
export interface Replica {
  config: Readonly<Config>;
  family: ModelFamily;
  nets: Record<string, tf.LayersModel>;
  /** Shape of one image (MNIST's 28x28x1 when absent). */
  image?: ImageShape;
}

/**
 * The variables a phase trains, in wire order: each updated network's trainable weights, networks in phase
 * order. (Non-trainable state such as BatchNorm running statistics follows them on the wire: shard-state.ts.)
 */
export function phaseVariables(replica: Replica, phase: string): tf.Variable[] {
  const spec = replica.family.phases[phase];
  return spec.updates.flatMap((net) => {
    const frozen = frozenWeights(replica.config, net, replica.nets[net]); // config.freeze: no gradient, no wire bytes
    return replica.nets[net].trainableWeights.filter((w) => !frozen.has(w.originalName)).map((w) => w.read() as tf.Variable);
  });
}

type Objective = (r: Replica, task: ShardTask, inv: number) => { loss: tf.Scalar; stats: Record<string, tf.Scalar> };

/** The VAE's round: negative ELBO summed over the shard (scale 1, as the seed's sum reduction). */
const vaeObjective: Objective = ({ config, nets }, task, inv) => {
  const latent = (config.model as MlpVaeConfig).latentDim;
  const x = pixels(task, 1 / 255, 0); // [b, 784] in [0, 1]
  const [mu, logvar] = nets.encoder.apply(x) as tf.Tensor[]; // [b, 20] each
  const z = reparameterise(mu, logvar, normal(config, task, 'eps', task.count, latent));
  const logits = nets.decoder.apply(z) as tf.Tensor;
  const { kl } = negElboSums(x, logits, mu, logvar);
  const rec = reconstructionSum(config, x, logits); // Bernoulli or Gaussian p(x|z)
  const loss = tf.add(rec, kl) as tf.Scalar;
  return {
    loss,
    stats: { 'loss/VAE': tf.mul(loss, inv) as tf.Scalar, 'vae/rec': tf.mul(rec, inv) as tf.Scalar, 'vae/kl': tf.mul(kl, inv) as tf.Scalar },
  };
};

const OBJECTIVES: Record<string, Objective> = { D: ganDObjective, G: ganGObjective, VAE: vaeObjective };

function objectiveOf(phase: string, replica: Replica): Objective {
  const objective = (replica.family.conditional ? CONDITIONAL_OBJECTIVES : OBJECTIVES)[phase];
  if (!objective) throw new Error(`no objective for phase '${phase}'`);
  return objective;
}

/** The shard's share of the batch loss as a tensor (for oracle tests and evaluation). */
export function shardLoss(replica: Replica, task: ShardTask): tf.Scalar {
  const r = atStep(replica, task.step);
  return objectiveOf(task.phase, r)(r, task, 1 / batchSizeAt(task.step, replica.config)).loss;
}

/** The replica with the effective config of `step` (a stage's loss, penalties, frozen layers: src/config/stage-config.ts). */
export function atStep(replica: Replica, step: number): Replica {
  const config = configAt(step, replica.config);
  return config === replica.config ? replica : { ...replica, config };
}

/** Computes one shard's gradients and statistics; leaves no tensor behind. */
export function shardGradients(run: Replica, task: ShardTask): ShardGradients {
  const replica = atStep(run, task.step);
  const objective = objectiveOf(task.phase, replica);
  const vars = phaseVariables(replica, task.phase);
  const inv = 1 / batchSizeAt(task.step, replica.config); // the stage's B under progressive growing
  // Statistics are read inside the taped function: engine.gradients disposes everything f made but its result.
  const stats: Record<string, number> = {};
  // Layers train, draw keyed masks and record their state updates inside the shard's context.
  const ctx = new ShardContext([replica.config.seed, task.step, task.tag, task.shard]);
  const tensors = inShard(ctx, () => tf.tidy(() => {
    const { grads } = tf.variableGrads(() => {
      const out = objective(replica, task, inv);
      for (const [k, v] of Object.entries(out.stats)) stats[k] = v.dataSync()[0];
      return out.loss;
    }, vars);
    // A variable the loss does not reach (D's last bias under a penalty alone, as in the lazy R1 round) has none.
    return vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
  }));
  // Copied out after tidy: tidy walks its result, and walking large typed arrays element by element is slow.
  const grads = tensors.map(ownedFloat32);
  tf.dispose(tensors);
  const updates = replica.family.phases[task.phase].updates;
  const frozen = updates.map((net) => frozenWeights(replica.config, net, replica.nets[net]));
  grads.push(...stateContributions(updates.map((net) => replica.nets[net]), ctx, replica.config.train.microShards, frozen));
  return { grads, stats };
}
