// Hinge GAN loss (Lim & Ye 2017; Miyato et al. 2018 §4; Zhang et al. 2019): D minimises
// E[relu(1 - D(x))] + E[relu(1 + D(G(z)))], G minimises -E[D(G(z))]. Written here minimally for the SNGAN and
// SAGAN recipes of issue 5; the losses issue owns the full loss registry, with which this is to be merged.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/index.js';
import { dLossSums, gLossSum } from './bce-ns.js';

/** Sums over the samples of relu(1 - D(x)) and relu(1 + D(G(z))), from D's outputs [b, 1]. */
export function hingeDLossSums(real: tf.Tensor, fake: tf.Tensor): { real: tf.Scalar; fake: tf.Scalar } {
  return { real: tf.sum(tf.relu(tf.sub(1, real))), fake: tf.sum(tf.relu(tf.add(1, fake))) };
}

/** Sum over the samples of -D(G(z)). */
export function hingeGLossSum(fake: tf.Tensor): tf.Scalar {
  return tf.neg(tf.sum(fake)) as tf.Scalar;
}

/** The D and G loss sums of the config's GAN loss (the non-saturating BCE unless `loss: hinge`). */
export function ganLoss(config: Readonly<Config>): { dLossSums: typeof dLossSums; gLossSum: typeof gLossSum } {
  return (config.loss as string) === 'hinge' ? { dLossSums: hingeDLossSums, gLossSum: hingeGLossSum } : { dLossSums, gLossSum };
}
