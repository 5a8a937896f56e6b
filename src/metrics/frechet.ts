// The Fréchet distance between two Gaussians (Dowson & Landau 1982), FID's formula (Heusel et al. 2017):
//   d² = |mu1 - mu2|² + Tr(S1) + Tr(S2) - 2 Tr sqrt(S1 S2),
// with Tr sqrt(S1 S2) = Tr sqrt(sqrt(S1) S2 sqrt(S1)): the symmetric form has the same eigenvalues and needs only
// symmetric eigen-decompositions (ml-matrix, float64), where pytorch-fid calls scipy's general sqrtm.
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { GanymedeError } from '../errors.js';
import type { FeatureStats } from './feature-stats.js';

/**
 * Eigenvalues of a PSD matrix may come out slightly negative from rounding; those are set to 0. A negative
 * eigenvalue larger than this fraction of the largest one means the input was not a covariance: an error.
 */
export const NEGATIVE_EIGEN_TOLERANCE = 1e-6;

function symmetricEigen(m: Matrix, what: string): { values: number[]; vectors: Matrix } {
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const scale = Math.max(0, ...values.map(Math.abs));
  const values0 = values.map((v) => {
    if (!Number.isFinite(v)) throw new GanymedeError(`${what}: eigenvalue ${v} is not finite`);
    if (v < -NEGATIVE_EIGEN_TOLERANCE * scale) throw new GanymedeError(`${what}: not positive semi-definite (eigenvalue ${v.toExponential(3)})`);
    return Math.max(v, 0);
  });
  return { values: values0, vectors: evd.eigenvectorMatrix };
}

/** sqrt(S) of a symmetric PSD matrix: V diag(sqrt(max(l, 0))) V^T. */
export function sqrtPsd(s: Matrix, what = 'covariance'): Matrix {
  const { values, vectors } = symmetricEigen(s, what);
  const scaled = vectors.clone();
  for (let j = 0; j < values.length; j++) {
    const r = Math.sqrt(values[j]);
    for (let i = 0; i < scaled.rows; i++) scaled.set(i, j, scaled.get(i, j) * r);
  }
  return scaled.mmul(vectors.transpose());
}

/** Tr sqrt(S1 S2) for symmetric PSD S1, S2, via the symmetric sqrt(S1) S2 sqrt(S1). */
export function traceSqrtProduct(s1: Matrix, s2: Matrix): number {
  const r1 = sqrtPsd(s1, 'first covariance');
  const m = r1.mmul(s2).mmul(r1);
  const sym = m.add(m.transpose()).mul(0.5); // remove the rounding asymmetry before the symmetric solver
  return symmetricEigen(sym, 'sqrt(S1) S2 sqrt(S1)').values.reduce((a, v) => a + Math.sqrt(v), 0);
}

function square(a: Float64Array, dim: number): Matrix {
  return Matrix.from1DArray(dim, dim, Array.from(a));
}

/** Squared Fréchet distance between N(mu1, cov1) and N(mu2, cov2) (dim x dim, row-major float64). */
export function frechetDistance(a: Pick<FeatureStats, 'dim' | 'mean' | 'cov'>, b: Pick<FeatureStats, 'dim' | 'mean' | 'cov'>): number {
  if (a.dim !== b.dim) throw new GanymedeError(`Fréchet distance: feature dimensions differ (${a.dim} vs ${b.dim})`);
  const dim = a.dim;
  let meanTerm = 0;
  let traces = 0;
  for (let i = 0; i < dim; i++) {
    meanTerm += (a.mean[i] - b.mean[i]) ** 2;
    traces += a.cov[i * dim + i] + b.cov[i * dim + i];
  }
  const d = meanTerm + traces - 2 * traceSqrtProduct(square(a.cov, dim), square(b.cov, dim));
  // A set against itself gives 0 up to rounding, which may land a hair below it.
  return Math.max(d, 0);
}
