// Feature statistics in float64 (mean and covariance), the shared input of FID and its reference cache, as in
// stylegan2-ada-pytorch's metrics/metric_utils.py FeatureStats: features arrive in float32, sums run in float64.
import { GanymedeError } from '../errors.js';

/** Mean and covariance (unbiased, divisor n - 1, as numpy.cov) of n feature vectors of length dim. */
export interface FeatureStats {
  n: number;
  dim: number;
  mean: Float64Array; // [dim]
  cov: Float64Array; // [dim, dim] row-major
}

/** Features of n samples as one row-major [n, dim] array. */
export interface FeatureMatrix { n: number; dim: number; data: Float32Array | Float64Array }

/**
 * Mean and covariance of the rows of `f`. With n ≤ dim the covariance is singular whatever the data (rank ≤ n - 1),
 * and an FID computed from it would be a number with no meaning: that is an error naming both sizes.
 */
export function featureStats(f: FeatureMatrix, what = 'features'): FeatureStats {
  const { n, dim, data } = f;
  if (data.length !== n * dim) throw new RangeError(`${what}: ${data.length} values are not ${n} x ${dim}`);
  if (n <= dim) {
    throw new GanymedeError(`${what}: ${n} samples for ${dim}-dimensional features; FID needs more samples than dimensions`, {
      hint: `evaluate at least ${dim + 1} samples (thousands for a stable number)`,
    });
  }
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= n;
  // Two-pass (centre, then multiply): the one-pass sum of squares loses digits when |mean| >> std.
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) row[j] = data[i * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      const at = a * dim;
      for (let b = a; b < dim; b++) cov[at + b] += ra * row[b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b] / (n - 1);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
  }
  return { n, dim, mean, cov };
}

/** FeatureStats as plain JSON (for the reference cache), and back. */
export function statsToJson(s: FeatureStats): { n: number; dim: number; mean: number[]; cov: number[] } {
  return { n: s.n, dim: s.dim, mean: Array.from(s.mean), cov: Array.from(s.cov) };
}

export function statsFromJson(j: { n: number; dim: number; mean: number[]; cov: number[] }): FeatureStats {
  if (j.mean.length !== j.dim || j.cov.length !== j.dim * j.dim) throw new RangeError(`feature statistics: sizes do not match dim ${j.dim}`);
  return { n: j.n, dim: j.dim, mean: Float64Array.from(j.mean), cov: Float64Array.from(j.cov) };
}
