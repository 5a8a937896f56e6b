// Minimax GAN loss (Goodfellow et al. 2014, eq. 1): D as the non-saturating loss, but G minimises
// log(1 - D(G(z))) = -softplus(l), which saturates when D rejects the fakes (the reason bce-ns exists).
import * as tf from '@tensorflow/tfjs';
import { bceNs } from './bce-ns.js';
import type { GanLoss } from './gan-loss.js';

export const minimax: GanLoss = {
  ...bceNs,
  name: 'minimax',
  g: (fake) => tf.neg(tf.sum(tf.softplus(fake))) as tf.Scalar,
};
