// Adam (Kingma & Ba 2015) with PyTorch's update rule, as one fused loop over Float32Arrays on the coordinator.
// Written by hand rather than tf.train.adam because (1) its state must be plain arrays that checkpoint and
// restore bit-exactly (TF.js's Adam recomputes beta^t with pow after setWeights and drifts ~1e-7), and
// (2) one fused loop costs a fraction of TF.js's ~10 element-wise kernels per variable. When the native addon
// is built (native/gemm.cc), the same loop runs there, bit for bit the same (test/train/adam-native.test.ts),
// about 3x faster: the optimizer is the coordinator's largest share of a round.
import { loadOpenblas, type KernelChoice } from '../backend/openblas-addon.js';
import type { AdamConfig } from '../config/index.js';

export interface AdamState {
  /** Updates applied so far. */
  t: number;
  m: Float32Array[];
  v: Float32Array[];
  /**
   * Progressive growing: the value of t when each variable joined (0 for the first ones), so a variable added
   * by growing starts with its own bias correction, as PyTorch's per-parameter step counts do. Absent: all 0.
   */
  start?: number[];
}

export function adamInit(sizes: readonly number[]): AdamState {
  return { t: 0, m: sizes.map((n) => new Float32Array(n)), v: sizes.map((n) => new Float32Array(n)) };
}

/**
 * One Adam step in place, in the order PyTorch's torch.optim.Adam computes it: m = b1 m + (1-b1) g;
 * v = b2 v + (1-b2) g^2; w -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * Deterministic: plain IEEE arithmetic in a fixed order.
 */
/** Which loop runs the update: the native one when built ('auto'), or always the JS one (for comparisons). */
export type AdamKernel = KernelChoice;

export function adamStep(
  weights: Float32Array[], grads: readonly Float32Array[], state: AdamState, cfg: Pick<AdamConfig, 'lr' | 'beta1' | 'beta2' | 'eps'>, lr = cfg.lr,
  kernel: AdamKernel = 'auto',
): void {
  state.t += 1;
  const { beta1: b1, beta2: b2, eps } = cfg;
  const stepSizeAll = lr / (1 - b1 ** state.t);
  const sqrtC2All = Math.sqrt(1 - b2 ** state.t);
  const a1 = 1 - b1;
  const a2 = 1 - b2;
  const addon = kernel === 'auto' ? loadOpenblas() : undefined;
  const native = addon?.ok ? addon.addon.adam : undefined;
  for (let k = 0; k < weights.length; k++) {
    const t = state.t - (state.start?.[k] ?? 0);
    const [stepSize, sqrtC2] = t === state.t ? [stepSizeAll, sqrtC2All] : [lr / (1 - b1 ** t), Math.sqrt(1 - b2 ** t)];
    const w = weights[k];
    const g = grads[k];
    const m = state.m[k];
    const v = state.v[k];
    if (g.length !== w.length) throw new Error(`adam: gradient ${k} has ${g.length} values, weight has ${w.length}`);
    if (native) {
      native(w, g, m, v, b1, a1, b2, a2, stepSize, sqrtC2, eps);
      continue;
    }
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      const mi = (m[i] = b1 * m[i] + a1 * gi);
      const vi = (v[i] = b2 * v[i] + a2 * gi * gi);
      w[i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtC2 + eps);
    }
  }
}
