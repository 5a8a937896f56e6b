// Improved precision and recall (Kynkäänniemi et al. 2019): each set's manifold is the union of balls around its
// samples reaching their k-th nearest neighbour (k = 3 in the paper); precision is the share of generated samples
// inside the real manifold, recall the share of real samples inside the generated one.
import { GanymedeError } from '../errors.js';
import type { FeatureMatrix } from './feature-stats.js';

/** Squared Euclidean distances between every row of a and every row of b: [a.n, b.n]. */
function pairwise(a: FeatureMatrix, b: FeatureMatrix): Float64Array {
  const d = a.dim;
  const out = new Float64Array(a.n * b.n);
  for (let i = 0; i < a.n; i++) {
    for (let j = 0; j < b.n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) {
        const t = a.data[i * d + k] - b.data[j * d + k];
        s += t * t;
      }
      out[i * b.n + j] = s;
    }
  }
  return out;
}

/** Squared distance of each row to its k-th nearest other row (the row itself excluded). */
function kthRadii(self: Float64Array, n: number, k: number): Float64Array {
  const radii = new Float64Array(n);
  const row = new Float64Array(n - 1);
  for (let i = 0; i < n; i++) {
    let w = 0;
    for (let j = 0; j < n; j++) if (j !== i) row[w++] = self[i * n + j];
    row.sort();
    radii[i] = row[k - 1];
  }
  return radii;
}

/** Share of rows of `probe` within the k-NN ball of at least one row of `manifold`. */
function coverage(cross: Float64Array, probeN: number, manifoldN: number, radii: Float64Array, probeIsRow: boolean): number {
  let inside = 0;
  for (let p = 0; p < probeN; p++) {
    for (let m = 0; m < manifoldN; m++) {
      const d = probeIsRow ? cross[p * manifoldN + m] : cross[m * probeN + p];
      if (d <= radii[m]) {
        inside++;
        break;
      }
    }
  }
  return inside / probeN;
}

export interface PrecisionRecall { precision: number; recall: number; k: number }

/** Precision and recall of generated features `fake` against `real`. */
export function precisionRecall(fake: FeatureMatrix, real: FeatureMatrix, k = 3): PrecisionRecall {
  if (fake.dim !== real.dim) throw new GanymedeError(`precision/recall: feature dimensions differ (${fake.dim} vs ${real.dim})`);
  if (Math.min(fake.n, real.n) <= k) throw new GanymedeError(`precision/recall: needs more than k = ${k} samples on each side`);
  const realRadii = kthRadii(pairwise(real, real), real.n, k);
  const fakeRadii = kthRadii(pairwise(fake, fake), fake.n, k);
  const cross = pairwise(fake, real); // [fake, real]
  return {
    precision: coverage(cross, fake.n, real.n, realRadii, true),
    recall: coverage(cross, real.n, fake.n, fakeRadii, false),
    k,
  };
}
