// Coordinator-side techniques on the reduced gradient and the master weights, as plain float loops in a fixed
// order (deterministic whatever the worker count): L1/L2 weight regularization, gradient-norm clipping
// (torch.nn.utils.clip_grad_norm_), WGAN weight clipping (Arjovsky et al. 2017, Algorithm 1 line 7).

export interface GradientOptions { l1: number; l2: number; clipNorm: number }

/**
 * Adds the L1/L2 terms to `grads` in place (g += l1 sign(w) + l2 w, PyTorch's weight_decay for l2), then scales
 * them so their global L2 norm is at most clipNorm (0 = off). Returns the norm before clipping.
 */
export function regularizeGradients(weights: readonly Float32Array[], grads: Float32Array[], opts: GradientOptions): number {
  const { l1, l2, clipNorm } = opts;
  let sq = 0; // float64 accumulation in a fixed order
  for (let k = 0; k < grads.length; k++) {
    const g = grads[k];
    const w = weights[k];
    for (let i = 0; i < g.length; i++) {
      if (l1 !== 0 || l2 !== 0) g[i] += l1 * Math.sign(w[i]) + l2 * w[i];
      sq += g[i] * g[i];
    }
  }
  const norm = Math.sqrt(sq);
  if (clipNorm > 0 && norm > clipNorm) {
    const scale = clipNorm / (norm + 1e-6); // as clip_grad_norm_
    for (const g of grads) for (let i = 0; i < g.length; i++) g[i] *= scale;
  }
  return norm;
}

/** Clamps every weight into [-c, c] in place. */
export function clipWeights(weights: Float32Array[], c: number): void {
  for (const w of weights) for (let i = 0; i < w.length; i++) w[i] = Math.min(c, Math.max(-c, w[i]));
}

/** EMA update in place: ema = decay ema + (1 - decay) w; before `start` (decay = 0) a plain copy. */
export function emaUpdate(ema: Float32Array[], weights: readonly Float32Array[], decay: number): void {
  for (let k = 0; k < ema.length; k++) {
    const e = ema[k];
    const w = weights[k];
    if (decay === 0) e.set(w);
    else for (let i = 0; i < e.length; i++) e[i] = decay * e[i] + (1 - decay) * w[i];
  }
}
