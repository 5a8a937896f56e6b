// Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs"): the unbiased estimator of MMD² with
// the cubic polynomial kernel k(x, y) = (x·y / d + 1)³, averaged over random subsets, as stylegan2-ada-pytorch's
// metrics/kernel_inception_distance.py computes it (their defaults: 100 subsets of at most 1,000 samples).
import { GanymedeError } from '../errors.js';
import { KeyedRandom } from '../rng.js';
import type { FeatureMatrix } from './feature-stats.js';

/** k(x_i, y_j) = (x_i·y_j / d + 1)³ over rows i of x and j of y, given as index lists into their matrices. */
function kernelSum(x: FeatureMatrix, xi: ArrayLike<number>, y: FeatureMatrix, yj: ArrayLike<number>, skipDiagonal: boolean): number {
  const d = x.dim;
  let sum = 0;
  for (let a = 0; a < xi.length; a++) {
    const ax = xi[a] * d;
    for (let b = 0; b < yj.length; b++) {
      if (skipDiagonal && a === b) continue;
      const by = yj[b] * d;
      let dot = 0;
      for (let k = 0; k < d; k++) dot += x.data[ax + k] * y.data[by + k];
      const t = dot / d + 1;
      sum += t * t * t;
    }
  }
  return sum;
}

/**
 * Unbiased MMD²_u of the rows `xi` of x and `yj` of y (equal counts m ≥ 2):
 *   1/(m(m-1)) Σ_{i≠j} k(x_i, x_j) + 1/(m(m-1)) Σ_{i≠j} k(y_i, y_j) - 2/m² Σ_{i,j} k(x_i, y_j).
 */
export function mmdUnbiased(x: FeatureMatrix, xi: ArrayLike<number>, y: FeatureMatrix, yj: ArrayLike<number>): number {
  const m = xi.length;
  if (yj.length !== m || m < 2) throw new RangeError(`MMD: needs two equal subsets of at least 2 samples (got ${m} and ${yj.length})`);
  const within = (kernelSum(x, xi, x, xi, true) + kernelSum(y, yj, y, yj, true)) / (m * (m - 1));
  return within - (2 * kernelSum(x, xi, y, yj, false)) / (m * m);
}

export interface KidOptions {
  subsets: number;
  subsetSize: number;
  /** Key of the subset draws (with the seed): a KID is reproducible. */
  seed: number;
}

export interface KidResult { value: number; std: number; subsets: number; subsetSize: number }

/** KID of generated features `fake` against `real`: mean (and std) of MMD²_u over random subsets. */
export function kid(fake: FeatureMatrix, real: FeatureMatrix, options: KidOptions): KidResult {
  if (fake.dim !== real.dim) throw new GanymedeError(`KID: feature dimensions differ (${fake.dim} vs ${real.dim})`);
  const m = Math.min(options.subsetSize, fake.n, real.n);
  if (m < 2) throw new GanymedeError(`KID: needs at least 2 samples on each side (got ${fake.n} and ${real.n})`);
  // Subsets as large as both sets are the sets themselves: every draw would give the same number.
  const subsets = m === fake.n && m === real.n ? 1 : options.subsets;
  const values: number[] = [];
  for (let s = 0; s < subsets; s++) {
    // Without replacement, as numpy.random.choice(..., replace=False) in the reference.
    const xi = new KeyedRandom(options.seed, 'kid', s, 'fake').permutation(fake.n).subarray(0, m);
    const yj = new KeyedRandom(options.seed, 'kid', s, 'real').permutation(real.n).subarray(0, m);
    values.push(mmdUnbiased(fake, xi, real, yj));
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
  return { value: mean, std, subsets, subsetSize: m };
}
