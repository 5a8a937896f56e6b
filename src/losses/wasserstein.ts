// Wasserstein GAN (Arjovsky et al. 2017, Algorithm 1): the critic D maximises D(x) - D(G(z)), G maximises D(G(z)).
// D must be kept (about) 1-Lipschitz: gan.weightClip (WGAN), gan.gp (WGAN-GP) or spectral norm.
import * as tf from '@tensorflow/tfjs';
import type { GanLoss } from './gan-loss.js';

export const wasserstein: GanLoss = {
  name: 'wasserstein',
  targets: false,
  logits: false,
  dReal: (out) => tf.neg(tf.sum(out)) as tf.Scalar,
  dFake: (out) => tf.sum(out),
  g: (fake) => tf.neg(tf.sum(fake)) as tf.Scalar,
};
