// DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training", DiffAugment_pytorch.py):
// differentiable transforms of every image D sees, real and fake alike, in D and G rounds. Parameters are drawn
// per sample from a keyed stream (DESIGN.md §3), so they do not depend on the worker count. Grayscale here, so the
// colour policy is brightness and contrast (no saturation).
import * as tf from '@tensorflow/tfjs';
import type { KeyedRandom } from '../rng.js';

export type DiffAugmentPolicy = 'translation' | 'cutout' | 'brightness' | 'contrast';

/** Per-sample uniform draws in [0, 1), shaped [b, 1, 1, 1] to broadcast over an image. */
function perSample(rng: KeyedRandom, b: number): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from({ length: b }, () => rng.uniform()), [b, 1, 1, 1]);
}

/** brightness: x + (u - 0.5). */
function brightness(x: tf.Tensor4D, rng: KeyedRandom): tf.Tensor4D {
  return tf.add(x, tf.sub(perSample(rng, x.shape[0]), 0.5));
}

/** contrast: (x - mean) (u + 0.5) + mean, mean over each image. */
function contrast(x: tf.Tensor4D, rng: KeyedRandom): tf.Tensor4D {
  const mean = tf.mean(x, [1, 2, 3], true);
  return tf.add(tf.mul(tf.sub(x, mean), tf.add(perSample(rng, x.shape[0]), 0.5)), mean);
}

/** [b, n, n] matrices S with S[i, r, c] = 1 where c = r - shift[i]: S @ v moves v down by shift, zero-filled. */
function shiftMatrices(shifts: number[], n: number): tf.Tensor3D {
  const m = new Float32Array(shifts.length * n * n);
  shifts.forEach((s, i) => {
    for (let r = 0; r < n; r++) if (r - s >= 0 && r - s < n) m[i * n * n + r * n + (r - s)] = 1;
  });
  return tf.tensor3d(m, [shifts.length, n, n]);
}

/** translation: shift by up to 1/8 of the size on each axis, zero padding; as S_y x S_x^T (a batched matMul). */
function translation(x: tf.Tensor4D, rng: KeyedRandom): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const sh = Math.floor(h * 0.125 + 0.5);
  const sw = Math.floor(w * 0.125 + 0.5);
  const dy = Array.from({ length: b }, () => rng.int(-sh, sh));
  const dx = Array.from({ length: b }, () => rng.int(-sw, sw));
  const rep = (t: tf.Tensor3D, n: number) => tf.reshape(tf.tile(tf.expandDims(t, 1), [1, c, 1, 1]), [b * c, n, n]);
  const planes = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [b * c, h, w]); // [b*C, H, W]
  const moved = tf.matMul(tf.matMul(rep(shiftMatrices(dy, h), h), planes), rep(shiftMatrices(dx, w), w), false, true);
  return tf.transpose(tf.reshape(moved, [b, c, h, w]), [0, 2, 3, 1]);
}

/** cutout: a zero square of half the size, centred anywhere in the image (clipped at the borders). */
function cutout(x: tf.Tensor4D, rng: KeyedRandom): tf.Tensor4D {
  const [b, h, w] = x.shape;
  const ch = Math.floor(h * 0.5 + 0.5);
  const cw = Math.floor(w * 0.5 + 0.5);
  const mask = new Float32Array(b * h * w).fill(1);
  for (let i = 0; i < b; i++) {
    const cy = rng.int(0, h + (1 - (ch % 2)) - 1);
    const cx = rng.int(0, w + (1 - (cw % 2)) - 1);
    for (let r = Math.max(0, cy - Math.floor(ch / 2)); r < Math.min(h, cy - Math.floor(ch / 2) + ch); r++) {
      for (let col = Math.max(0, cx - Math.floor(cw / 2)); col < Math.min(w, cx - Math.floor(cw / 2) + cw); col++) mask[(i * h + r) * w + col] = 0;
    }
  }
  return tf.mul(x, tf.tensor4d(mask, [b, h, w, 1]));
}

const POLICIES: Record<DiffAugmentPolicy, (x: tf.Tensor4D, rng: KeyedRandom) => tf.Tensor4D> = { translation, cutout, brightness, contrast };

/** Applies the policies in the order given to images [b, H, W, C]; draws from `rng` in that order. */
export function diffAugment(x: tf.Tensor4D, policies: readonly DiffAugmentPolicy[], rng: KeyedRandom): tf.Tensor4D {
  return policies.reduce((y, p) => POLICIES[p](y, rng), x);
}
