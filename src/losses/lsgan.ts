// Least-squares GAN (Mao et al. 2017, eq. 2 with a = 0, b = 1, c = 1): D minimises 1/2 (D(x) - 1)^2 + 1/2 D(G(z))^2,
// G minimises 1/2 (D(G(z)) - 1)^2. A smoothed or flipped target replaces b (real) or a (fake).
import * as tf from '@tensorflow/tfjs';
import type { GanLoss } from './gan-loss.js';

const halfSquares = (out: tf.Tensor, target: tf.Tensor | number): tf.Scalar => tf.mul(0.5, tf.sum(tf.square(tf.sub(out, target))));

export const lsgan: GanLoss = {
  name: 'lsgan',
  targets: true,
  logits: false,
  dReal: (out, target) => halfSquares(out, target ?? 1),
  dFake: (out, target) => halfSquares(out, target ?? 0),
  g: (fake) => halfSquares(fake, 1),
};
