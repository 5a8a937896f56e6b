// Gradient compression with error feedback (Seide et al. 2014, "1-bit SGD"; Karimireddy et al. 2019, "Error
// Feedback Fixes SignSGD"): what rounding to bfloat16 drops from a gradient is kept and added to the next one
// sent under the same key, so the sum of what the coordinator receives tracks the sum of the true gradients
// (the difference is always just the current residual) instead of drifting by a rounding error per round.
// Off by default (`cluster.gradientCompression: none`): with it, results are no longer byte-identical across
// worker counts, since residuals belong to whichever worker computed a block.
import { fromBfloat16, toBfloat16 } from '../protocol/bfloat16.js';

export class ErrorFeedback {
  private readonly residuals = new Map<string, Float32Array[]>();

  /**
   * bfloat16 of (grads + the key's residual); the new residual is that sum minus what is sent. A key is what
   * identifies the same quantity from round to round on this worker: the round's tag and the shard block.
   */
  compress(key: string, grads: readonly Float32Array[]): Uint16Array[] {
    let residual = this.residuals.get(key);
    if (!residual || residual.length !== grads.length || residual.some((r, k) => r.length !== grads[k].length)) {
      residual = grads.map((g) => new Float32Array(g.length));
      this.residuals.set(key, residual);
    }
    return grads.map((g, k) => {
      const r = residual[k];
      const sum = new Float32Array(g.length);
      for (let i = 0; i < g.length; i++) sum[i] = g[i] + r[i];
      const sent = toBfloat16(sum);
      const back = fromBfloat16(sent);
      for (let i = 0; i < g.length; i++) r[i] = sum[i] - back[i];
      return sent;
    });
  }

  /** The residuals kept under `key` (for tests). */
  residual(key: string): readonly Float32Array[] | undefined {
    return this.residuals.get(key);
  }
}
