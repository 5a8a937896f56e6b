// Reconstruction term of the VAE objective for the decoder p(x|z) a config selects (Kingma & Welling 2014,
// Appendix C): Bernoulli on the decoder's logits (the seed's BCE), or Gaussian with mean sigmoid(logits)
// and a fixed standard deviation sigma: -log N(x; m, sigma^2) = (x - m)^2 / (2 sigma^2) + log sigma + log(2 pi) / 2.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/index.js';

/** -log p(x|z) summed over pixels and samples: x in [0, 1] [b, P], decoder logits [b, P]. */
export function reconstructionSum(config: Readonly<Config>, x: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  const model = config.model as { decoder?: 'bernoulli' | 'gaussian'; sigma?: number };
  if (model.decoder !== 'gaussian') return tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits))) as tf.Scalar;
  const sigma = model.sigma ?? 1;
  const perPixel = Math.log(sigma) + 0.5 * Math.log(2 * Math.PI);
  const sq = tf.sum(tf.square(tf.sub(x, tf.sigmoid(logits))));
  return tf.add(tf.div(sq, 2 * sigma * sigma), perPixel * x.size) as tf.Scalar;
}
