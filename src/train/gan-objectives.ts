// The GAN rounds' objectives for one micro-shard (StyleGAN2's Dmain / Dreg / Gmain): the configured loss, label
// smoothing and noisy labels, WGAN-GP, R1 (inline or lazy in its own 'Dreg' round), feature matching and DiffAugment.
// Each returns the shard's share of the batch loss (per-sample sums times inv = 1/B, DESIGN.md §3); every random
// draw is keyed by (seed, step, tag, shard, what).
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/index.js';
import { featureMatchingLoss, ganLoss, gradientPenaltySum, r1PenaltySum } from '../losses/index.js';
import type { ImageShape } from '../models/index.js';
import { KeyedRandom } from '../rng.js';
import { diffAugment } from './diff-augment.js';
import type { Replica, ShardTask } from './shard-gradients.js';
import { normal, pixels } from './shard-inputs.js';
import { stageImages } from './stage-images.js';
import { stageAt } from './stages.js';

/** Tag of the lazy R1 round (src/train/schedule.ts): phase D, the penalty only. */
export const DREG_TAG = 'Dreg';

type Out = { loss: tf.Scalar; stats: Record<string, tf.Scalar> };

const MNIST: ImageShape = { height: 28, width: 28, channels: 1 };

/** The shard's real images in [-1, 1], [b, H, W, C]. */
function realImages(r: Replica, task: ShardTask): tf.Tensor4D {
  const { height, width, channels } = r.image ?? MNIST;
  const x: tf.Tensor4D = tf.reshape(pixels(task, 1 / 127.5, -1), [task.count, height, width, channels]);
  const stage = stageAt(task.step, r.config); // progressive growing: pooled to the stage's resolution, faded
  return stage?.resolution !== undefined ? stageImages(x, stage) : x;
}

/** G(z) as images [b, H, W, C], z keyed by (seed, step, tag, shard, 'z'). */
function generate(r: Replica, task: ShardTask): tf.Tensor4D {
  const { height, width, channels } = r.image ?? MNIST;
  const latent = (r.config.model as { latentDim: number }).latentDim;
  const fake = r.nets.G.apply(normal(r.config, task, 'z', task.count, latent)) as tf.Tensor;
  return tf.reshape(fake, [task.count, height, width, channels]);
}

/** A network on images [b, H, W, C], reshaped to the network's own input shape (flat for MLPs). */
function onImages(net: tf.LayersModel): (x: tf.Tensor) => tf.Tensor {
  const shape = net.inputs[0].shape.slice(1) as number[];
  return (x) => net.apply(tf.reshape(x, [x.shape[0], ...shape])) as tf.Tensor;
}

/** D's last hidden features (the input of its last layer), built once per D and sharing its weights. */
const featureNets = new WeakMap<tf.LayersModel, tf.LayersModel>();
function features(D: tf.LayersModel): tf.LayersModel {
  let f = featureNets.get(D);
  if (!f) {
    f = tf.model({ inputs: D.inputs, outputs: D.layers[D.layers.length - 2].output as tf.SymbolicTensor });
    featureNets.set(D, f);
  }
  return f;
}

function augment(r: Replica, task: ShardTask, x: tf.Tensor4D, what: string): tf.Tensor4D {
  const policies = r.config.gan.diffAugment;
  if (policies.length === 0) return x;
  return diffAugment(x, policies, new KeyedRandom(r.config.seed, task.step, task.tag, task.shard, `augment-${what}`));
}

/** D's targets [b, 1] when label smoothing or noisy labels are on, else undefined (the loss's own 1 and 0). */
export function dTargets(config: Readonly<Config>, task: ShardTask, which: 'real' | 'fake'): tf.Tensor2D | undefined {
  const { realLabel, labelFlip } = config.gan;
  if (!ganLoss(config.loss).targets || (realLabel === 1 && labelFlip === 0)) return undefined;
  const [usual, flipped] = which === 'real' ? [realLabel, 0] : [0, realLabel];
  const rng = new KeyedRandom(config.seed, task.step, task.tag, task.shard, `flip-${which}`);
  const t = Float32Array.from({ length: task.count }, () => (labelFlip > 0 && rng.uniform() < labelFlip ? flipped : usual));
  return tf.tensor2d(t, [task.count, 1]);
}

/** Mean of D's outputs as probabilities (logit losses) or raw scores, for the log. */
function outStats(logits: boolean, rOut: tf.Tensor, fOut: tf.Tensor, inv: number): Record<string, tf.Scalar> {
  const mean = (t: tf.Tensor) => tf.mul(tf.sum(logits ? tf.sigmoid(t) : t), inv) as tf.Scalar;
  return logits ? { 'D(x)': mean(rOut), 'D(G(z))': mean(fOut) } : { 'D(x)/score': mean(rOut), 'D(G(z))/score': mean(fOut) };
}

/** Lazy R1 (Karras et al. 2020, StyleGAN2 §B "lazy regularization"): gamma/2 * every * ||grad D(x)||^2 alone. */
function dRegObjective(r: Replica, task: ShardTask, inv: number): Out {
  const { gamma, every } = r.config.gan.r1;
  const real = augment(r, task, realImages(r, task), 'real');
  const loss = tf.mul(r1PenaltySum(onImages(r.nets.D), real), (gamma / 2) * every * inv) as tf.Scalar;
  return { loss, stats: { 'r1/D': loss } };
}

/** D's round: the loss on real and fake outputs, plus WGAN-GP and inline R1 when configured. */
export function ganDObjective(r: Replica, task: ShardTask, inv: number): Out {
  if (task.tag === DREG_TAG) return dRegObjective(r, task, inv);
  const { config } = r;
  const loss = ganLoss(config.loss);
  const D = onImages(r.nets.D);
  const real = augment(r, task, realImages(r, task), 'real');
  const fake = augment(r, task, generate(r, task), 'fake');
  const rOut = D(real); // [b, 1]
  const fOut = D(fake);
  const adversarial = tf.mul(tf.add(loss.dReal(rOut, dTargets(config, task, 'real')), loss.dFake(fOut, dTargets(config, task, 'fake'))), inv);
  const stats: Record<string, tf.Scalar> = outStats(loss.logits, rOut, fOut, inv);
  let total = adversarial as tf.Scalar;
  if (config.gan.gp > 0) {
    const rng = new KeyedRandom(config.seed, task.step, task.tag, task.shard, 'gp-eps');
    const eps = tf.tensor1d(Float32Array.from({ length: task.count }, () => rng.uniform()));
    // At a progressive stage the interpolates are full-size images (upsampled from the stage's resolution), as in
    // the official ProGAN code, whose networks also meet every stage's images at the full resolution.
    stats['gp/D'] = tf.mul(gradientPenaltySum(D, real, fake, eps), config.gan.gp * inv) as tf.Scalar;
    total = tf.add(total, stats['gp/D']);
  }
  if (config.gan.r1.gamma > 0 && config.gan.r1.every === 1) {
    stats['r1/D'] = tf.mul(r1PenaltySum(D, real), (config.gan.r1.gamma / 2) * inv) as tf.Scalar;
    total = tf.add(total, stats['r1/D']);
  }
  if (config.gan.drift > 0) {
    // ProGAN's drift term (Karras et al. 2018 §A.1): epsilon * D(x)^2 on real data.
    stats['drift/D'] = tf.mul(tf.sum(tf.square(rOut)), config.gan.drift * inv) as tf.Scalar;
    total = tf.add(total, stats['drift/D']);
  }
  if (total !== adversarial) stats['loss/D/adv'] = adversarial as tf.Scalar;
  stats['loss/D'] = total;
  return { loss: total, stats };
}

/** G's round: the adversarial loss through D, or feature matching against the shard's real images. */
export function ganGObjective(r: Replica, task: ShardTask, inv: number): Out {
  const fake = augment(r, task, generate(r, task), 'fake');
  if (r.config.gan.generatorLoss === 'feature-matching') {
    const f = onImages(features(r.nets.D));
    const real = augment(r, task, realImages(r, task), 'real');
    // Per micro-shard means; the shard's weight count/B makes one shard of the whole batch the full-batch loss.
    const loss = tf.mul(featureMatchingLoss(f(real), f(fake)), task.count * inv) as tf.Scalar;
    return { loss, stats: { 'loss/G': loss } };
  }
  const loss = tf.mul(ganLoss(r.config.loss).g(onImages(r.nets.D)(fake)), inv) as tf.Scalar;
  return { loss, stats: { 'loss/G': loss } };
}
