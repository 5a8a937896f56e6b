// KID is unbiased (exactly, over all subsets of a finite population; and against a population MMD² computed by
// hand); IS is 1 for a constant prediction and the class count for uniform confident ones; precision/recall on
// sets whose overlap is known.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classHistogram, inceptionScore } from '../../src/metrics/inception-score.js';
import { kid, mmdUnbiased } from '../../src/metrics/kid.js';
import { precisionRecall } from '../../src/metrics/precision-recall.js';
import { KeyedRandom } from '../../src/rng.js';

const mat = (rows: number[][]) => ({ n: rows.length, dim: rows[0].length, data: Float64Array.from(rows.flat()) });
const k = (x: number[], y: number[]) => (x.reduce((s, v, i) => s + v * y[i], 0) / x.length + 1) ** 3;

function* combinations(n: number, m: number, from = 0, acc: number[] = []): Generator<number[]> {
  if (acc.length === m) yield acc;
  else for (let i = from; i < n; i++) yield* combinations(n, m, i + 1, [...acc, i]);
}

test('MMD²_u averaged over every subset pair equals the U-statistic of the whole populations (unbiased)', () => {
  const xs = [[0.1, 1], [0.5, -0.2], [1.5, 0.3], [-1, 0.4], [0.2, 2], [0.9, 0.9]];
  const ys = [[1, 1], [2, -0.5], [0, 0], [0.3, 1.7], [-0.4, -1], [1.1, 0.2]];
  const n = 6;
  const pairsMean = (a: number[][], b: number[][], distinct: boolean) => {
    let s = 0;
    let c = 0;
    a.forEach((u, i) => b.forEach((v, j) => { if (!distinct || i !== j) { s += k(u, v); c++; } }));
    return s / c;
  };
  const population = pairsMean(xs, xs, true) + pairsMean(ys, ys, true) - 2 * pairsMean(xs, ys, false);
  let sum = 0;
  let count = 0;
  for (const xi of combinations(n, 3)) for (const yj of combinations(n, 3)) { sum += mmdUnbiased(mat(xs), xi, mat(ys), yj); count++; }
  assert.ok(Math.abs(sum / count - population) < 1e-12, `${sum / count} vs ${population}`);
});

test('KID over random draws converges to the population MMD² of two discrete distributions', () => {
  // P uniform on {a, b}, Q uniform on {a, c}: MMD² = E k(x,x') + E k(y,y') - 2 E k(x,y), with independent draws.
  const [a, b, c] = [[0, 1], [1, 0], [1, 1]];
  const P = [a, b];
  const Q = [a, c];
  const mean = (S: number[][], T: number[][]) => S.reduce((s, u) => s + T.reduce((t2, v) => t2 + k(u, v), 0), 0) / (S.length * T.length);
  const exact = mean(P, P) + mean(Q, Q) - 2 * mean(P, Q);
  const draws = 4000;
  const rng = new KeyedRandom(3, 'kid-draws');
  const fake = mat(Array.from({ length: draws }, () => P[rng.int(0, 1)]));
  const real = mat(Array.from({ length: draws }, () => Q[rng.int(0, 1)]));
  const r = kid(fake, real, { subsets: 50, subsetSize: 40, seed: 0 });
  // Standard error of the mean over 50 subsets ~ std / sqrt(50); the biased V-statistic (diagonals kept) would sit ~+0.06 above.
  assert.ok(Math.abs(r.value - exact) < 4 * (r.std / Math.sqrt(50)) + 1e-3, `${r.value} vs ${exact} (std ${r.std})`);
  assert.equal(r.subsetSize, 40);
  // The same distribution on both sides: 0 in expectation, so the estimate straddles 0 (it can be negative).
  const same = kid(fake, mat(Array.from({ length: draws }, () => P[rng.int(0, 1)])), { subsets: 50, subsetSize: 40, seed: 1 });
  assert.ok(Math.abs(same.value) < 4 * (same.std / Math.sqrt(50)) + 1e-3, `${same.value}`);
});

test('IS: 1 for a constant prediction; the class count for uniform confident predictions', () => {
  const classes = 10;
  const n = 1000;
  const constant = new Float64Array(n * classes).map((_, i) => (i % classes === 3 ? 1 : 0));
  assert.ok(Math.abs(inceptionScore(constant, n, classes).value - 1) < 1e-12);
  const soft = new Float64Array(n * classes).fill(1 / classes); // uncertain everywhere: also 1
  assert.ok(Math.abs(inceptionScore(soft, n, classes).value - 1) < 1e-12);
  const confident = new Float64Array(n * classes).map((_, i) => (i % classes === Math.floor(i / classes) % classes ? 1 : 0));
  const is = inceptionScore(confident, n, classes, 10);
  assert.ok(Math.abs(is.value - classes) < 1e-9);
  assert.ok(is.std < 1e-9);
  const hist = classHistogram(confident, n, classes);
  assert.deepEqual(hist.counts, new Array(classes).fill(n / classes));
  assert.equal(hist.covered, classes);
  assert.equal(classHistogram(constant, n, classes).covered, 1);
});

test('precision/recall: identical sets give 1 and 1; a set covering half the real modes gives recall ~0.5', () => {
  const rng = new KeyedRandom(5, 'pr');
  const cluster = (cx: number, count: number) => Array.from({ length: count }, () => [cx + 0.1 * rng.normal(1)[0], 0.1 * rng.normal(1)[0]]);
  const real = mat([...cluster(0, 100), ...cluster(10, 100)]);
  const same = precisionRecall(real, real);
  assert.equal(same.precision, 1);
  assert.equal(same.recall, 1);
  const halfModes = mat(cluster(0, 200)); // only the first mode: precise, but recalls half
  const pr = precisionRecall(halfModes, real);
  assert.ok(pr.precision > 0.95, `precision ${pr.precision}`);
  assert.ok(Math.abs(pr.recall - 0.5) < 0.05, `recall ${pr.recall}`);
  const off = precisionRecall(mat(cluster(50, 100)), real); // far from everything
  assert.equal(off.precision, 0);
  assert.equal(off.recall, 0);
});
