// Sample grids beyond the fixed-z grid: latent walks (spherical interpolation between two keyed z, as White 2016
// "Sampling Generative Networks" recommends for Gaussian latents), VAE reconstructions (input | output pairs) and,
// for a 2-D latent, the decoded manifold (Kingma & Welling 2014, fig. 4, on an evenly spaced z grid), and for a
// class-conditional G (inputs [z, one-hot y]) one row per class with the same z down each column.
import * as tf from '@tensorflow/tfjs';
import type { Config, MlpGanConfig, MlpVaeConfig } from '../config/index.js';
import type { Dataset } from '../data/index.js';
import { modelFamily } from '../models/index.js';
import { KeyedRandom } from '../rng.js';
import { gridPng, toUint8 } from './grid.js';

const latentDim = (config: Readonly<Config>) => (config.model as MlpGanConfig | MlpVaeConfig).latentDim;
const isVae = (config: Readonly<Config>) => modelFamily(config.model.family).kind === 'vae';

/** Classes of a class-conditional G (its second input is a one-hot label [B, K], after z), else 0. */
export function conditionalClasses(G: tf.LayersModel): number {
  return G.inputs.length > 1 ? (G.inputs[1].shape[1] ?? 0) : 0;
}

/**
 * Decodes n latent vectors (z, [n * latent]) to uint8 images: G's tanh output, or the VAE decoder's sigmoid.
 * A class-conditional G draws class labels[i], by default i mod K.
 */
export function decodeLatents(config: Readonly<Config>, nets: Record<string, tf.LayersModel>, z: Float32Array, n: number, labels?: ArrayLike<number>): Uint8Array {
  const vae = isVae(config);
  const out = tf.tidy(() => {
    const zt = tf.tensor2d(z, [n, latentDim(config)]);
    if (vae) return tf.sigmoid(nets.decoder.predict(zt) as tf.Tensor); // [n, H*W*C]
    const k = conditionalClasses(nets.G);
    if (k === 0) return nets.G.predict(zt) as tf.Tensor;
    const y = Int32Array.from({ length: n }, (_, i) => (labels ? labels[i] : i % k));
    return nets.G.predict([zt, tf.oneHot(tf.tensor1d(y, 'int32'), k).toFloat()]) as tf.Tensor;
  });
  const values = out.dataSync();
  out.dispose();
  return toUint8(values, vae ? '[0,1]' : '[-1,1]');
}

/**
 * z ~ N(0, I) keyed by (seed, 'samples', key), each component with |z| > t drawn again from a keyed stream until
 * it falls inside (the truncation trick of Brock et al. 2019, BigGAN); t = Infinity gives sampleImages' z.
 */
export function truncatedLatents(config: Readonly<Config>, n: number, key: string | number, t: number): Float32Array {
  const z = new KeyedRandom(config.seed, 'samples', key).normal(n * latentDim(config));
  const redraw = new KeyedRandom(config.seed, 'samples', key, 'truncation');
  for (let i = 0; i < z.length; i++) {
    while (Math.abs(z[i]) > t) z[i] = redraw.normal(1)[0];
  }
  return z;
}

/** Spherical interpolation between a and b at t in [0, 1]; linear when they are (nearly) parallel. */
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb || 1))));
  const out = new Float32Array(a.length);
  const so = Math.sin(omega);
  const [wa, wb] = so < 1e-6 ? [1 - t, t] : [Math.sin((1 - t) * omega) / so, Math.sin(t * omega) / so];
  for (let i = 0; i < a.length; i++) out[i] = wa * a[i] + wb * b[i];
  return out;
}

/** `rows` walks of `cols` images each, from z_a to z_b, both keyed by (seed, 'walk', row); row r of class r mod K. */
export function latentWalkPng(config: Readonly<Config>, nets: Record<string, tf.LayersModel>, rows = 8, cols = 10): Buffer {
  const d = latentDim(config);
  const z = new Float32Array(rows * cols * d);
  for (let r = 0; r < rows; r++) {
    const ends = new KeyedRandom(config.seed, 'walk', r).normal(2 * d);
    const a = Float32Array.from(ends.subarray(0, d));
    const b = Float32Array.from(ends.subarray(d));
    for (let c = 0; c < cols; c++) z.set(slerp(a, b, c / (cols - 1)), (r * cols + c) * d);
  }
  const k = isVae(config) ? 0 : conditionalClasses(nets.G);
  const labels = Array.from({ length: rows * cols }, (_, i) => (k ? Math.floor(i / cols) % k : 0));
  return gridPng(decodeLatents(config, nets, z, rows * cols, labels), 28, 28, { rows, cols });
}

/** A class-conditional G: one row per class, `cols` samples each, z keyed by (seed, 'classes', column). */
export function classGridPng(config: Readonly<Config>, nets: Record<string, tf.LayersModel>, cols = 10): Buffer {
  const k = conditionalClasses(nets.G);
  const d = latentDim(config);
  const z = new Float32Array(k * cols * d);
  for (let c = 0; c < cols; c++) {
    const zc = new KeyedRandom(config.seed, 'classes', c).normal(d); // the same z down a column: only the class changes
    for (let r = 0; r < k; r++) z.set(zc, (r * cols + c) * d);
  }
  const labels = Array.from({ length: k * cols }, (_, i) => Math.floor(i / cols));
  return gridPng(decodeLatents(config, nets, z, k * cols, labels), 28, 28, { rows: k, cols });
}

/** VAE reconstructions of the first `pairs` images of `data`: each input followed by its decoded mean. */
export function reconstructionPng(config: Readonly<Config>, nets: Record<string, tf.LayersModel>, data: Dataset, pairs = 32): Buffer {
  const n = Math.min(pairs, data.count);
  const per = data.height * data.width * data.channels;
  const input = new Uint8Array(n * per);
  for (let i = 0; i < n; i++) input.set(data.pixels(i), i * per);
  const mu = tf.tidy(() => {
    const x = tf.div(tf.tensor2d(input, [n, per], 'float32'), 255); // [n, 784] in [0, 1]
    return (nets.encoder.predict(x) as tf.Tensor[])[0]; // [n, latent]: the posterior mean
  });
  const z = mu.dataSync() as Float32Array;
  mu.dispose();
  const output = decodeLatents(config, nets, z, n);
  const tiles = new Uint8Array(2 * n * per);
  for (let i = 0; i < n; i++) {
    tiles.set(input.subarray(i * per, (i + 1) * per), 2 * i * per);
    tiles.set(output.subarray(i * per, (i + 1) * per), (2 * i + 1) * per);
  }
  const cols = 8; // four input | output pairs per row
  return gridPng(tiles, data.height, data.width, { rows: Math.ceil((2 * n) / cols), cols });
}

/** For a 2-D latent: the decoder's images over an n x n grid of z in [-3, 3]^2 (z1 across, z2 down). */
export function manifoldPng(config: Readonly<Config>, nets: Record<string, tf.LayersModel>, n = 16): Buffer {
  if (latentDim(config) !== 2) throw new Error('the manifold grid needs a 2-D latent');
  const z = new Float32Array(n * n * 2);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      z[(r * n + c) * 2] = -3 + (6 * c) / (n - 1);
      z[(r * n + c) * 2 + 1] = 3 - (6 * r) / (n - 1);
    }
  }
  return gridPng(decodeLatents(config, nets, z, n * n), 28, 28, { rows: n, cols: n, gap: 0, scale: 1 });
}

/**
 * The extra grids of a sample step: {name: png}. Walks for every model; one row per class for a conditional G;
 * reconstructions and the manifold (2-D latent) for VAEs.
 */
export function extraGrids(config: Readonly<Config>, nets: Record<string, tf.LayersModel>, data?: Dataset): Record<string, Buffer> {
  const out: Record<string, Buffer> = { walk: latentWalkPng(config, nets) };
  if (!isVae(config) && conditionalClasses(nets.G) > 0) out.classes = classGridPng(config, nets);
  if (isVae(config) && data) out.recon = reconstructionPng(config, nets, data);
  if (isVae(config) && latentDim(config) === 2) out.manifold = manifoldPng(config, nets);
  return out;
}
