// Oracle tests of the Fréchet distance: closed forms for Gaussians (non-diagonal, non-commuting covariances),
// pytorch-fid's scipy computation (scripts/fid-reference.py), and FID of a set with itself and with shifted copies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { featureStats } from '../../src/metrics/feature-stats.js';
import { frechetDistance } from '../../src/metrics/frechet.js';
import { KeyedRandom } from '../../src/rng.js';

type Mat = number[][];
const mul = (a: Mat, b: Mat): Mat => a.map((r) => b[0].map((_, j) => r.reduce((s, v, k) => s + v * b[k][j], 0)));
const tr = (a: Mat): number => a.reduce((s, r, i) => s + r[i], 0);
const t = (a: Mat): Mat => a[0].map((_, j) => a.map((r) => r[j]));
const flat = (a: Mat): Float64Array => Float64Array.from(a.flat());
const gauss = (mean: number[], cov: Mat) => ({ dim: mean.length, mean: Float64Array.from(mean), cov: flat(cov) });

/** A rotation from Givens rotations by fixed angles: no eigen-decomposition involved. */
function rotation(d: number, seed: number): Mat {
  let q: Mat = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
  const rng = new KeyedRandom(seed, 'rotation');
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const th = 2 * Math.PI * rng.uniform();
      const g: Mat = q.map((_, a) => q.map((__, b) => (a === b ? 1 : 0)));
      g[i][i] = Math.cos(th); g[j][j] = Math.cos(th); g[i][j] = -Math.sin(th); g[j][i] = Math.sin(th);
      q = mul(q, g);
    }
  }
  return q;
}
const fromEigen = (q: Mat, e: number[]): Mat => mul(mul(q, e.map((v, i) => e.map((_, j) => (i === j ? v : 0)))), t(q));

test('2x2 non-commuting covariances: Tr sqrt(S1 S2) = sqrt(tr(S1 S2) + 2 sqrt(det S1 det S2))', () => {
  const s1: Mat = [[2, 0.7], [0.7, 1]];
  const s2: Mat = [[0.5, -0.3], [-0.3, 3]];
  assert.notDeepEqual(mul(s1, s2), mul(s2, s1)); // they do not commute
  const det = (m: Mat) => m[0][0] * m[1][1] - m[0][1] * m[1][0];
  const trSqrt = Math.sqrt(tr(mul(s1, s2)) + 2 * Math.sqrt(det(s1) * det(s2)));
  const mu1 = [1, -2];
  const mu2 = [0.5, 0.25];
  const expected = (1 - 0.5) ** 2 + (-2 - 0.25) ** 2 + tr(s1) + tr(s2) - 2 * trSqrt;
  assert.ok(Math.abs(frechetDistance(gauss(mu1, s1), gauss(mu2, s2)) - expected) < 1e-8);
});

test('6-D: S2 = S1^-1/2 C S1^-1/2 gives Tr sqrt(S1 S2) = sum sqrt(eig C), built without any decomposition', () => {
  const d = 6;
  const q1 = rotation(d, 1);
  const q2 = rotation(d, 2);
  const e1 = [4, 2.5, 1, 0.5, 0.2, 0.05];
  const c = [3, 1.5, 1.2, 0.7, 0.1, 0.01];
  const s1 = fromEigen(q1, e1);
  const s1InvSqrt = fromEigen(q1, e1.map((v) => 1 / Math.sqrt(v)));
  const s2 = mul(mul(s1InvSqrt, fromEigen(q2, c)), s1InvSqrt);
  const mu1 = [0, 1, 2, 3, 4, 5];
  const mu2 = [0.5, 1, 1, 3, -4, 5];
  const meanTerm = mu1.reduce((s, v, i) => s + (v - mu2[i]) ** 2, 0);
  const expected = meanTerm + tr(s1) + tr(s2) - 2 * c.reduce((s, v) => s + Math.sqrt(v), 0);
  assert.ok(Math.abs(frechetDistance(gauss(mu1, s1), gauss(mu2, s2)) - expected) < 1e-8);
  // Symmetric in its arguments.
  assert.ok(Math.abs(frechetDistance(gauss(mu2, s2), gauss(mu1, s1)) - expected) < 1e-8);
});

/** The formula of scripts/fid-reference.py (python writes the same sin/cos features). */
function features(n: number, d: number, shift: number, from = 0, scale = 1): Float64Array {
  const out = new Float64Array((n - from) * d);
  for (let i = from; i < n; i++) {
    for (let j = 0; j < d; j++) out[(i - from) * d + j] = scale * (Math.sin(0.7 * i + 1.3 * j) + 0.5 * Math.cos(1.1 * i * j + 0.3) + (shift * (j + 1)) / d);
  }
  return out;
}

test('matches pytorch-fid (numpy.cov + scipy.linalg.sqrtm) on a small feature set', () => {
  const a = featureStats({ n: 50, dim: 4, data: features(50, 4, 0) });
  const b = featureStats({ n: 50, dim: 4, data: features(57, 4, 0.8, 7, 1.5) });
  const scipy = 3.5421460950748527; // python3 scripts/fid-reference.py (numpy 2.4.6, scipy 1.17.1)
  assert.ok(Math.abs(frechetDistance(a, b) - scipy) < 1e-8, `${frechetDistance(a, b)} vs ${scipy}`);
});

test('FID of a set with itself is ~0 and grows with a shift of its mean', () => {
  const n = 400;
  const d = 16;
  const z = new KeyedRandom(7, 'fid-shift').normal(n * d);
  const base = featureStats({ n, dim: d, data: z });
  assert.ok(frechetDistance(base, base) < 1e-9);
  let last = 0;
  for (const shift of [0.1, 0.5, 1, 2]) {
    const moved = featureStats({ n, dim: d, data: z.map((v) => v + shift) });
    const fid = frechetDistance(base, moved);
    assert.ok(Math.abs(fid - d * shift * shift) < 1e-6 * d, `shift ${shift}: ${fid}`); // same covariance: only |dmu|²
    assert.ok(fid > last);
    last = fid;
  }
});

test('too few samples for the feature dimension is a clear error', () => {
  assert.throws(() => featureStats({ n: 8, dim: 8, data: new Float64Array(64) }, 'generated features'), /8 samples for 8-dimensional features/);
});
