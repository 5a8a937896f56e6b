// Samples of a style-based generator with the truncation trick in w space (Karras et al. 2019 §B; Marchesi 2017):
// w' = w_avg + psi (w - w_avg), w_avg the EMA of w tracked during training (G's non-trainable `w_avg`, saved in
// every checkpoint). psi = 1 is the untruncated sample, psi = 0 the "mean" image for every z.
import type * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/index.js';
import { setTruncation } from '../models/stylegan.js';
import { sampleImages } from './sample.js';

/** sampleImages' n images (same keyed z) with G's w truncated by psi >= 0; G is left untruncated afterwards. */
export function styleTruncatedImages(
  config: Readonly<Config>, nets: Record<string, tf.LayersModel>, n: number, key: string | number, psi: number,
): Uint8Array {
  if (!(psi >= 0 && Number.isFinite(psi))) throw new Error(`truncation psi ${psi}: must be a finite number >= 0`);
  if (!setTruncation(nets.G, psi)) throw new Error('truncation in w: this generator has no mean w (not a style-based generator)');
  try {
    return sampleImages(config, nets, n, key);
  } finally {
    setTruncation(nets.G, 1);
  }
}
