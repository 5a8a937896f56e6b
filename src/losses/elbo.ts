// The VAE objective (Kingma & Welling 2014, eq. 10 with Appendix B's Gaussian KL): the negative ELBO as
// BCE(sum over pixels) + KL(q(z|x) || N(0, I)), summed over samples, as PyTorch's examples/vae computes it.
import * as tf from '@tensorflow/tfjs';

/** Negative ELBO parts summed over the samples: x in [0, 1] [b, P], decoder logits [b, P], mu and logvar [b, L]. */
export function negElboSums(x: tf.Tensor, logits: tf.Tensor, mu: tf.Tensor, logvar: tf.Tensor): { rec: tf.Scalar; kl: tf.Scalar } {
  // BCE with logits: -(x log s(l) + (1 - x) log(1 - s(l))) = softplus(l) - x l
  const rec = tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits))) as tf.Scalar;
  const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar))));
  return { rec, kl: kl as tf.Scalar };
}

/** z = mu + exp(logvar / 2) * eps: the reparameterisation trick, with eps drawn by the caller (keyed). */
export function reparameterise(mu: tf.Tensor, logvar: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  return tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logvar)), eps));
}
