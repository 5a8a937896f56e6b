// Hinge GAN loss (Lim & Ye 2017; Miyato et al. 2018, eq. 16-17): D minimises relu(1 - D(x)) + relu(1 + D(G(z))),
// G minimises -D(G(z)).
import * as tf from '@tensorflow/tfjs';
import type { GanLoss } from './gan-loss.js';

export const hinge: GanLoss = {
  name: 'hinge',
  targets: false,
  logits: false,
  dReal: (out) => tf.sum(tf.relu(tf.sub(1, out))),
  dFake: (out) => tf.sum(tf.relu(tf.add(1, out))),
  g: (fake) => tf.neg(tf.sum(fake)) as tf.Scalar,
};
