// Test-set ELBO of a VAE (Kingma & Welling 2014, eq. 10), nats per sample, one keyed eps draw per image:
// the number the seed VAE (PyTorch examples/vae) prints as "Test set loss", with the opposite sign.
import * as tf from '@tensorflow/tfjs';
import type { Config, MlpVaeConfig } from '../config/index.js';
import type { Dataset } from '../data/index.js';
import { negElboSums, reparameterise } from '../losses/index.js';
import { KeyedRandom } from '../rng.js';
import { reconstructionSum } from '../losses/gaussian-decoder.js';

/** Mean ELBO per sample over the dataset (higher is better), in batches of `batch`. */
export function testElbo(config: Readonly<Config>, nets: Record<string, tf.LayersModel>, data: Dataset, key: string | number, batch = 500): number {
  const latent = (config.model as MlpVaeConfig).latentDim;
  const pixels = data.height * data.width * data.channels;
  let total = 0;
  for (let start = 0; start < data.count; start += batch) {
    const n = Math.min(batch, data.count - start);
    const raw = data.images.subarray(start * pixels, (start + n) * pixels);
    const x = new Float32Array(raw.length);
    for (let i = 0; i < raw.length; i++) x[i] = raw[i] / 255;
    const eps = new KeyedRandom(config.seed, 'eval', key, start).normal(n * latent);
    total += tf.tidy(() => {
      const xt = tf.tensor2d(x, [n, pixels]);
      const [mu, logvar] = nets.encoder.predict(xt) as tf.Tensor[];
      const z = reparameterise(mu, logvar, tf.tensor2d(eps, [n, latent]));
      const logits = nets.decoder.predict(z) as tf.Tensor;
      const { kl } = negElboSums(xt, logits, mu, logvar);
      const rec = reconstructionSum(config, xt, logits); // Bernoulli or Gaussian p(x|z)
      return tf.add(rec, kl).dataSync()[0];
    });
  }
  return -total / data.count;
}
