// The round objectives of the class-conditional families (src/models/cgan.ts), like shard-gradients.ts's
// but with labels: real images come with their labels (shipped with the pixels in WORK), fakes are drawn for
// labels from the shard's keyed stream (seed, step, round, shard, 'y'), so every worker draws the same ones.
// ACGAN (Odena et al. 2017, eq. 2-3): D maximises L_S + L_C, G maximises L_C - L_S, where L_C is the
// log-likelihood of the right class on real and fake images; written as cross-entropy sums added to the
// adversarial losses, weighted by model.acganWeight.
import * as tf from '@tensorflow/tfjs';
import type { CganConfig, Config } from '../config/index.js';
import { ganLoss } from '../losses/index.js';
import { KeyedRandom } from '../rng.js';
import type { Replica, ShardTask } from './shard-gradients.js';

type Objective = (r: Replica, task: ShardTask, inv: number) => { loss: tf.Scalar; stats: Record<string, tf.Scalar> };

/** One-hot [n, k] of integer labels. */
export function oneHot(labels: ArrayLike<number>, k: number): tf.Tensor2D {
  const out = new Float32Array(labels.length * k);
  for (let i = 0; i < labels.length; i++) {
    if (!(labels[i] >= 0 && labels[i] < k && Number.isInteger(labels[i]))) throw new Error(`class label ${labels[i]} is not in 0..${k - 1}`);
    out[i * k + labels[i]] = 1;
  }
  return tf.tensor2d(out, [labels.length, k]);
}

/** Labels of the shard's fakes: uniform over the classes, keyed like its z. */
export function fakeLabels(config: Readonly<Config>, task: ShardTask, k: number): Uint8Array {
  const rng = new KeyedRandom(config.seed, task.step, task.tag, task.shard, 'y');
  return Uint8Array.from({ length: task.count }, () => rng.int(0, k - 1));
}

function z(config: Readonly<Config>, task: ShardTask, dim: number): tf.Tensor2D {
  return tf.tensor2d(new KeyedRandom(config.seed, task.step, task.tag, task.shard, 'z').normal(task.count * dim), [task.count, dim]);
}

/** D's output split into the adversarial logit [b, 1] and, for ACGAN, the class logits [b, K]. */
function dOut(r: Replica, x: tf.Tensor, y: tf.Tensor2D): { logit: tf.Tensor; classes?: tf.Tensor } {
  const cfg = r.config.model as CganConfig;
  if (cfg.dCond !== 'acgan') return { logit: r.nets.D.apply([x, y]) as tf.Tensor };
  const out = r.nets.D.apply(x) as tf.Tensor; // [b, 1 + K]
  return { logit: tf.slice(out, [0, 0], [-1, 1]), classes: tf.slice(out, [0, 1], [-1, cfg.classes]) };
}

/** Sum over samples of -log softmax(logits)[y]. */
function crossEntropySum(logits: tf.Tensor, y: tf.Tensor2D): tf.Scalar {
  return tf.sum(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, y), 1)));
}

const dObjective: Objective = (r, task, inv) => {
  const cfg = r.config.model as CganConfig;
  if (!task.x || !task.y) throw new Error('a conditional D round needs the shard images and labels');
  const x = tf.tensor2d(Float32Array.from(task.x, (v) => v / 127.5 - 1), [task.count, task.x.length / task.count]); // [-1, 1]
  const yReal = oneHot(task.y, cfg.classes);
  const yFake = oneHot(fakeLabels(r.config, task, cfg.classes), cfg.classes);
  const fake = r.nets.G.apply([z(r.config, task, cfg.latentDim), yFake]) as tf.Tensor;
  const real = dOut(r, x, yReal);
  const gen = dOut(r, fake, yFake);
  const L = ganLoss(r.config.loss);
  const lr = L.dReal(real.logit);
  const lf = L.dFake(gen.logit);
  let loss = tf.add(lr, lf);
  const stats: Record<string, tf.Scalar> = {
    'D(x)': tf.mul(tf.sum(tf.sigmoid(real.logit)), inv) as tf.Scalar,
    'D(G(z))': tf.mul(tf.sum(tf.sigmoid(gen.logit)), inv) as tf.Scalar,
  };
  if (real.classes && gen.classes) {
    const ceReal = crossEntropySum(real.classes, yReal);
    const ceFake = crossEntropySum(gen.classes, yFake);
    loss = tf.add(loss, tf.mul(cfg.acganWeight, tf.add(ceReal, ceFake)));
    stats['acgan/real'] = tf.mul(ceReal, inv) as tf.Scalar;
    stats['acgan/fake'] = tf.mul(ceFake, inv) as tf.Scalar;
  }
  const scaled = tf.mul(loss, inv) as tf.Scalar;
  return { loss: scaled, stats: { 'loss/D': scaled, ...stats } };
};

const gObjective: Objective = (r, task, inv) => {
  const cfg = r.config.model as CganConfig;
  const yFake = oneHot(fakeLabels(r.config, task, cfg.classes), cfg.classes);
  const gen = dOut(r, r.nets.G.apply([z(r.config, task, cfg.latentDim), yFake]) as tf.Tensor, yFake);
  let loss: tf.Tensor = ganLoss(r.config.loss).g(gen.logit);
  if (gen.classes) loss = tf.add(loss, tf.mul(cfg.acganWeight, crossEntropySum(gen.classes, yFake)));
  const scaled = tf.mul(loss, inv) as tf.Scalar;
  return { loss: scaled, stats: { 'loss/G': scaled } };
};

/** The conditional families' objectives by phase. */
export const CONDITIONAL_OBJECTIVES: Record<string, Objective> = { D: dObjective, G: gObjective };
