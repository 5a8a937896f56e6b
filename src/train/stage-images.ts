// Real images at a progressive stage (Karras et al. 2018 §3 and §A.1): average-pooled to the stage's resolution
// and, while it fades in, blended with the previous resolution's version as G's output is:
//   x_r' = lerp(up2x(pool2x(x_r)), x_r, alpha).
// They are handed to D at the full image size again (nearest upsampling), where D pools them back down: the
// networks of every family meet images at the dataset's size (src/models/progan.ts).
import * as tf from '@tensorflow/tfjs';
import type { Stage } from './stages.js';

const pool = (x: tf.Tensor4D, f: number): tf.Tensor4D => {
  const [b, h, w, c] = x.shape;
  return f === 1 ? x : tf.mean(tf.reshape(x, [b, h / f, f, w / f, f, c]), [2, 4]);
};

const up = (x: tf.Tensor4D, f: number): tf.Tensor4D => {
  const [b, h, w, c] = x.shape;
  if (f === 1) return x;
  const rows = tf.tile(tf.reshape(x, [b * h, 1, w, c]), [1, f, 1, 1]);
  const cols = tf.tile(tf.reshape(rows, [b * f * h * w, 1, c]), [1, f, 1]);
  return tf.reshape(cols, [b, f * h, f * w, c]);
};

/** Real images [b, H, W, C] as D sees them at `stage`: pooled to its resolution, faded, upsampled back to H x W. */
export function stageImages(x: tf.Tensor4D, stage: Stage): tf.Tensor4D {
  return tf.tidy(() => {
    const k = x.shape[1] / (stage.resolution ?? x.shape[1]); // no resolution: a family that does not grow
    const xr = pool(x, k); // [b, r, r, C]
    const faded = stage.alpha < 1 && stage.index > 0 ? tf.add(up(pool(xr, 2), 2), tf.mul(tf.sub(xr, up(pool(xr, 2), 2)), stage.alpha)) as tf.Tensor4D : xr;
    return up(faded, k);
  });
}
