// VAE test-set numbers in nats per sample: the ELBO with its reconstruction and KL parts (Kingma & Welling 2014,
// eq. 10, one keyed eps per image, analytic KL), and the importance-weighted estimate of -log p(x) (Burda et al.
// 2016, eq. 8): log p(x) ≥ log 1/k Σ_i p(x, z_i) / q(z_i | x), z_i ~ q(z | x), which tightens as k grows.
import * as tf from '@tensorflow/tfjs';
import type { Config, MlpVaeConfig } from '../config/index.js';
import type { Dataset } from '../data/index.js';
import { negElboSums, reparameterise } from '../losses/index.js';
import { KeyedRandom } from '../rng.js';

const LOG_2PI = Math.log(2 * Math.PI);

function pixelsOf(data: Dataset, from: number, n: number): Float32Array {
  const per = data.height * data.width * data.channels;
  const raw = data.images.subarray(from * per, (from + n) * per);
  return Float32Array.from(raw, (v) => v / 255);
}

/** Mean ELBO per sample and its parts: elbo = -(rec + kl), rec = E_q[-log p(x|z)] (one sample), kl = KL(q || p). */
export function elboParts(config: Readonly<Config>, nets: Record<string, tf.LayersModel>, data: Dataset, key: string | number, batch = 500) {
  const latent = (config.model as MlpVaeConfig).latentDim;
  const per = data.height * data.width * data.channels;
  let rec = 0;
  let kl = 0;
  for (let start = 0; start < data.count; start += batch) {
    const n = Math.min(batch, data.count - start);
    const eps = new KeyedRandom(config.seed, 'eval', key, start).normal(n * latent);
    const [r, k] = tf.tidy(() => {
      const x = tf.tensor2d(pixelsOf(data, start, n), [n, per]);
      const [mu, logvar] = nets.encoder.predict(x) as tf.Tensor[];
      const parts = negElboSums(x, nets.decoder.predict(reparameterise(mu, logvar, tf.tensor2d(eps, [n, latent]))) as tf.Tensor, mu, logvar);
      return [parts.rec.dataSync()[0], parts.kl.dataSync()[0]];
    });
    rec += r;
    kl += k;
  }
  return { elbo: -(rec + kl) / data.count, rec: rec / data.count, kl: kl / data.count, n: data.count };
}

/** log-mean-exp of each row of a [rows, k] array, in float64. */
function logMeanExp(w: Float32Array | Float64Array, k: number): number {
  let max = -Infinity;
  for (let i = 0; i < k; i++) max = Math.max(max, w[i]);
  let s = 0;
  for (let i = 0; i < k; i++) s += Math.exp(w[i] - max);
  return max + Math.log(s / k);
}

/**
 * The IWAE estimate of the test negative log-likelihood, nats per sample, with k importance samples per image
 * (k = 1 gives the ELBO in expectation). Draws are keyed by (seed, 'iwae', key, image index), so a subset
 * (`indices`, default all images) gives each image the same estimate as the full set does.
 */
export function iwaeNll(config: Readonly<Config>, nets: Record<string, tf.LayersModel>, data: Dataset, k: number, key: string | number = 'test', chunk = 2500, indices?: readonly number[]): { nll: number; k: number; n: number } {
  const latent = (config.model as MlpVaeConfig).latentDim;
  const per = data.height * data.width * data.channels;
  let total = 0;
  const which = indices ?? Array.from({ length: data.count }, (_, i) => i);
  for (const i of which) {
    const x = pixelsOf(data, i, 1);
    const [mu, logvar] = tf.tidy(() => (nets.encoder.predict(tf.tensor2d(x, [1, per])) as tf.Tensor[]).map((t) => t.dataSync()));
    const eps = new KeyedRandom(config.seed, 'iwae', key, i).normal(k * latent);
    const logW = new Float64Array(k); // log p(x|z) + log p(z) - log q(z|x)
    for (let from = 0; from < k; from += chunk) {
      const m = Math.min(chunk, k - from);
      const z = new Float32Array(m * latent);
      for (let s = 0; s < m; s++) {
        let logPz = 0;
        let logQ = 0;
        for (let j = 0; j < latent; j++) {
          const e = eps[(from + s) * latent + j];
          const v = mu[j] + Math.exp(0.5 * logvar[j]) * e;
          z[s * latent + j] = v;
          logPz += -0.5 * (v * v + LOG_2PI);
          logQ += -0.5 * (e * e + logvar[j] + LOG_2PI);
        }
        logW[from + s] = logPz - logQ;
      }
      const logPx = tf.tidy(() => {
        const logits = nets.decoder.predict(tf.tensor2d(z, [m, latent])) as tf.Tensor; // [m, P]
        // log p(x|z) = -Σ BCE-with-logits = -Σ (softplus(l) - x l)
        return tf.neg(tf.sum(tf.sub(tf.softplus(logits), tf.mul(tf.tensor2d(x, [1, per]), logits)), 1)).dataSync();
      });
      for (let s = 0; s < m; s++) logW[from + s] += logPx[s];
    }
    total -= logMeanExp(logW, k);
  }
  return { nll: total / which.length, k, n: which.length };
}
