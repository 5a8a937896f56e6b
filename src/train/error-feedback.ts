// Gradient compression with error feedback (Seide et al. 2014, "1-bit SGD"; Karimireddy et al. 2019, "Error
// Feedback Fixes SignSGD"): what rounding to bfloat16 or float16 drops from a gradient is kept and added to the
// next one sent under the same key, so the sum of what the coordinator receives tracks the sum of the true
// gradients (the difference is always just the current residual) instead of drifting by a rounding error per round.
// Off by default (`cluster.gradientCompression: none`): with it, results are no longer byte-identical across
// worker counts, since residuals belong to whichever worker computed a block.
import { fromBfloat16, toBfloat16 } from '../protocol/bfloat16.js';
import { fromFloat16, toFloat16 } from '../protocol/float16.js';

/** A compressed gradient tensor as it goes on the wire (float32 when float16 could not hold it). */
export type Compressed = { dtype: 'bfloat16' | 'float16'; data: Uint16Array } | { dtype: 'float32'; data: Float32Array };

export class ErrorFeedback {
  private readonly residuals = new Map<string, Float32Array[]>();

  /**
   * (grads + the key's residual) in `format`; the new residual is that sum minus what is sent. A key is what
   * identifies the same quantity from round to round on this worker: the round's tag and the shard block.
   * fp16: a tensor with a value beyond float16's range (|x| >= 65520) goes as float32 (residual zero).
   */
  encode(key: string, grads: readonly Float32Array[], format: 'bf16' | 'fp16'): Compressed[] {
    let residual = this.residuals.get(key);
    if (!residual || residual.length !== grads.length || residual.some((r, k) => r.length !== grads[k].length)) {
      residual = grads.map((g) => new Float32Array(g.length));
      this.residuals.set(key, residual);
    }
    return grads.map((g, k): Compressed => {
      const r = residual[k];
      const sum = new Float32Array(g.length);
      for (let i = 0; i < g.length; i++) sum[i] = g[i] + r[i];
      const half = format === 'bf16' ? toBfloat16(sum) : toFloat16(sum);
      if (!half) {
        r.fill(0);
        return { dtype: 'float32', data: sum };
      }
      const back = format === 'bf16' ? fromBfloat16(half) : fromFloat16(half);
      for (let i = 0; i < g.length; i++) r[i] = sum[i] - back[i];
      return { dtype: format === 'bf16' ? 'bfloat16' : 'float16', data: half };
    });
  }

  /** The residuals kept under `key` (for tests). */
  residual(key: string): readonly Float32Array[] | undefined {
    return this.residuals.get(key);
  }
}
