// Inception Score (Salimans et al. 2016): exp(E_x KL(p(y|x) || p(y))), with the feature classifier's softmax in
// place of Inception's, computed over `splits` equal parts and reported as mean and std, as the original
// improved-gan code and stylegan2-ada-pytorch's metrics/inception_score.py do (10 splits).
import { GanymedeError } from '../errors.js';

export interface IsResult { value: number; std: number; splits: number }

/** IS of class probabilities `p` ([n, classes] row-major, rows summing to 1). */
export function inceptionScore(p: Float32Array | Float64Array, n: number, classes: number, splits = 10): IsResult {
  if (p.length !== n * classes) throw new RangeError(`IS: ${p.length} probabilities are not ${n} x ${classes}`);
  if (n < splits) throw new GanymedeError(`IS: ${n} samples cannot be cut into ${splits} splits`);
  const scores: number[] = [];
  for (let s = 0; s < splits; s++) {
    const from = Math.floor((s * n) / splits);
    const to = Math.floor(((s + 1) * n) / splits);
    const py = new Float64Array(classes); // p(y) over the split
    for (let i = from; i < to; i++) for (let c = 0; c < classes; c++) py[c] += p[i * classes + c];
    for (let c = 0; c < classes; c++) py[c] /= to - from;
    let kl = 0;
    for (let i = from; i < to; i++) {
      for (let c = 0; c < classes; c++) {
        const q = p[i * classes + c];
        if (q > 0) kl += q * (Math.log(q) - Math.log(py[c])); // 0 log 0 = 0
      }
    }
    scores.push(Math.exp(kl / (to - from)));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / splits;
  const std = Math.sqrt(scores.reduce((a, v) => a + (v - mean) ** 2, 0) / splits);
  return { value: mean, std, splits };
}

/** Per-class counts of the classifier's argmax (mode coverage), and how many classes appear at all. */
export function classHistogram(p: Float32Array | Float64Array, n: number, classes: number): { counts: number[]; covered: number } {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (p[i * classes + c] > p[i * classes + best]) best = c;
    counts[best]++;
  }
  return { counts, covered: counts.filter((c) => c > 0).length };
}
