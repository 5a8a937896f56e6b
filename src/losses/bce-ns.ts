// Non-saturating GAN loss (Goodfellow et al. 2014, §3): D maximises log D(x) + log(1 - D(G(z))),
// G maximises log D(G(z)). Computed from logits, since -log sigmoid(l) = softplus(-l) is stable where log(sigmoid) is not.
import * as tf from '@tensorflow/tfjs';
import { bceSum, type GanLoss } from './gan-loss.js';

/** Sums over the samples of -log D(x) and -log(1 - D(G(z))), from D's logits [b, 1]. */
export function dLossSums(realLogits: tf.Tensor, fakeLogits: tf.Tensor): { real: tf.Scalar; fake: tf.Scalar } {
  return { real: tf.sum(tf.softplus(tf.neg(realLogits))), fake: tf.sum(tf.softplus(fakeLogits)) };
}

/** Sum over the samples of -log D(G(z)) (the non-saturating generator loss). */
export function gLossSum(fakeLogits: tf.Tensor): tf.Scalar {
  return tf.sum(tf.softplus(tf.neg(fakeLogits)));
}

/** The seed's loss in the GanLoss contract; with targets (label smoothing, noisy labels) it is BCE against them. */
export const bceNs: GanLoss = {
  name: 'bce-ns',
  targets: true,
  logits: true,
  dReal: (out, target) => (target ? bceSum(out, target) : tf.sum(tf.softplus(tf.neg(out)))),
  dFake: (out, target) => (target ? bceSum(out, target) : tf.sum(tf.softplus(out))),
  g: gLossSum,
};
