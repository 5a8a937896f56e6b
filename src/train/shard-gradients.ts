// Gradients of one micro-shard's share of the batch loss (DESIGN.md §3), the analogue of StyleGAN2's
// accumulate_gradients(phase): one function per phase, every random draw keyed by (seed, step, tag, shard).
import * as tf from '@tensorflow/tfjs';
import { negElboSums, reparameterise } from '../losses/index.js';
import type { Config, MlpGanConfig, MlpVaeConfig } from '../config/index.js';
import type { ModelFamily } from '../models/index.js';
import { KeyedRandom } from '../rng.js';
import { inShard, ShardContext } from '../models/layers/shard-context.js';
import { stateContributions } from './shard-state.js';
import { ganLoss } from '../losses/hinge.js';
import { reconstructionSum } from '../losses/gaussian-decoder.js';
import { CONDITIONAL_OBJECTIVES } from './conditional-objectives.js';

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
}

/**
 * The variables a phase trains, in wire order: each updated network's trainable weights, networks in phase
 * order. (Non-trainable state such as BatchNorm running statistics follows them on the wire: shard-state.ts.)
 */
export function phaseVariables(replica: Replica, phase: string): tf.Variable[] {
  const spec = replica.family.phases[phase];
  return spec.updates.flatMap((net) => replica.nets[net].trainableWeights.map((w) => w.read() as tf.Variable));
}

function normal(config: Readonly<Config>, task: ShardTask, what: string, n: number, dim: number): tf.Tensor2D {
  const rng = new KeyedRandom(config.seed, task.step, task.tag, task.shard, what);
  return tf.tensor2d(rng.normal(n * dim), [n, dim]);
}

function pixels(task: ShardTask, scale: number, offset: number): tf.Tensor2D {
  const x = task.x;
  if (!x) throw new Error(`phase ${task.phase} needs the shard's images`);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * scale + offset;
  return tf.tensor2d(out, [task.count, x.length / task.count]);
}

type Objective = (r: Replica, task: ShardTask, inv: number) => { loss: tf.Scalar; stats: Record<string, tf.Scalar> };

/** D's round: real images against G(z); only D's variables get gradients. */
const dObjective: Objective = ({ config, nets }, task, inv) => {
  const latent = (config.model as MlpGanConfig).latentDim;
  const realLogits = nets.D.apply(pixels(task, 1 / 127.5, -1)) as tf.Tensor; // [b, 1], data in [-1, 1]
  const fake = nets.G.apply(normal(config, task, 'z', task.count, latent)) as tf.Tensor; // [b, 784]
  const fakeLogits = nets.D.apply(fake) as tf.Tensor;
  const { real, fake: fakeSum } = ganLoss(config).dLossSums(realLogits, fakeLogits);
  const loss = tf.mul(tf.add(real, fakeSum), inv) as tf.Scalar;
  return {
    loss,
    stats: {
      'loss/D': loss,
      'D(x)': tf.mul(tf.sum(tf.sigmoid(realLogits)), inv) as tf.Scalar,
      'D(G(z))': tf.mul(tf.sum(tf.sigmoid(fakeLogits)), inv) as tf.Scalar,
    },
  };
};

/** G's round: the non-saturating loss through D; only G's variables get gradients. */
const gObjective: Objective = ({ config, nets }, task, inv) => {
  const latent = (config.model as MlpGanConfig).latentDim;
  const fakeLogits = nets.D.apply(nets.G.apply(normal(config, task, 'z', task.count, latent))) as tf.Tensor;
  const loss = tf.mul(ganLoss(config).gLossSum(fakeLogits), inv) as tf.Scalar;
  return { loss, stats: { 'loss/G': loss } };
};

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

const OBJECTIVES: Record<string, Objective> = { D: dObjective, G: gObjective, VAE: vaeObjective };

function objectiveOf(phase: string, replica: Replica): Objective {
  const objective = (replica.family.conditional ? CONDITIONAL_OBJECTIVES : OBJECTIVES)[phase];
  if (!objective) throw new Error(`no objective for phase '${phase}'`);
  return objective;
}

/** The shard's share of the batch loss as a tensor (for oracle tests and evaluation). */
export function shardLoss(replica: Replica, task: ShardTask): tf.Scalar {
  return objectiveOf(task.phase, replica)(replica, task, 1 / replica.config.train.batchSize).loss;
}

/** Computes one shard's gradients and statistics; leaves no tensor behind. */
export function shardGradients(replica: Replica, task: ShardTask): ShardGradients {
  const objective = objectiveOf(task.phase, replica);
  const vars = phaseVariables(replica, task.phase);
  const inv = 1 / replica.config.train.batchSize;
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
    return vars.map((v) => grads[v.name]);
  }));
  // Copied out after tidy: tidy walks its result, and walking large typed arrays element by element is slow.
  const grads = tensors.map((t) => new Float32Array(t.dataSync()));
  tf.dispose(tensors);
  const nets = replica.family.phases[task.phase].updates.map((net) => replica.nets[net]);
  grads.push(...stateContributions(nets, ctx, replica.config.train.microShards));
  return { grads, stats };
}
