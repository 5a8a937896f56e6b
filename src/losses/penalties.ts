// Penalties on D's input gradient, and feature matching. The two penalties differentiate a gradient again (double
// backprop): src/backend/second-order-gradients.ts makes TF.js get that right, and test/losses checks each
// against finite differences.
import * as tf from '@tensorflow/tfjs';
import { registerSecondOrderGradients } from '../backend/second-order-gradients.js';

/** Per-sample squared L2 norms of dD/dx at x: sum over samples of D's outputs, differentiated; [b]. */
function inputGradientSquares(D: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Tensor1D {
  registerSecondOrderGradients(); // idempotent; initBackend has normally done it
  const g = tf.grad((xi: tf.Tensor) => tf.sum(D(xi)))(x); // same shape as x
  return tf.sum(tf.square(tf.reshape(g, [x.shape[0], -1])), 1);
}

/**
 * WGAN-GP (Gulrajani et al. 2017, Algorithm 1, lines 6-7), summed over the samples: (||grad D(x^)||_2 - 1)^2 with
 * x^ = eps x + (1 - eps) x~, eps ~ U[0, 1] per sample (`eps` [b], drawn by the caller from a keyed stream).
 * The caller multiplies by lambda / B.
 */
export function gradientPenaltySum(D: (x: tf.Tensor) => tf.Tensor, real: tf.Tensor, fake: tf.Tensor, eps: tf.Tensor1D): tf.Scalar {
  const e = tf.reshape(eps, [eps.shape[0], ...real.shape.slice(1).map(() => 1)]); // [b, 1, ...]
  const interpolates = tf.add(tf.mul(e, real), tf.mul(tf.sub(1, e), fake));
  // sqrt(s + 1e-12): finite gradient where D is flat at a sample (sqrt'(0) is infinite); 1e-6 on the norm at most.
  const norms = tf.sqrt(tf.add(inputGradientSquares(D, interpolates), 1e-12));
  return tf.sum(tf.square(tf.sub(norms, 1)));
}

/** R1 (Mescheder et al. 2018, eq. 9) summed over the real samples: ||grad D(x)||^2. The caller multiplies by gamma / 2B. */
export function r1PenaltySum(D: (x: tf.Tensor) => tf.Tensor, real: tf.Tensor): tf.Scalar {
  return tf.sum(inputGradientSquares(D, real));
}

/**
 * Feature matching (Salimans et al. 2016, §3.1): ||mean f(x) - mean f(G(z))||_2^2 over D's intermediate features
 * [b, F] of one micro-shard (its statistics are per micro-shard, as BatchNorm's, so they do not depend on workers).
 */
export function featureMatchingLoss(realFeatures: tf.Tensor, fakeFeatures: tf.Tensor): tf.Scalar {
  const flat = (f: tf.Tensor) => tf.mean(tf.reshape(f, [f.shape[0], -1]), 0);
  return tf.sum(tf.square(tf.sub(flat(realFeatures), flat(fakeFeatures))));
}
