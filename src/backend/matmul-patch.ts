// wasm BatchMatMul without its naive transposed loop: transposes are materialised so the XNNPACK path runs.
//
// The stock kernel takes XNNPACK's fully-connected path only for batch 1 without transposes (~25 GFLOPS);
// transposeA/transposeB fall back to a blocked scalar loop (~0.5-2 GFLOPS), which is every backward matMul
// of a dense layer (dW = x^T dy, dx = dy W^T). See TFJS-NOTES.md "Speed".
import * as tf from '@tensorflow/tfjs';
import { release, sizeOf, transposeLastTwo, type KernelArgs } from './kernel-util.js';
import type { KernelPatch } from './patch.js';

/**
 * How to reach a transpose-free product C = op(A) op(B):
 * - direct: copy each flagged input transposed, then C = A' B';
 * - swapped: C^T = op(B)^T op(A)^T, copying the inputs that become flagged there, then transpose C^T.
 */
export type MatMulPlan = 'direct' | 'swapped';

/**
 * Picks the plan that moves fewer elements. Besides the copies, XNNPACK packs the right operand (its
 * "weights") on each new tensor, at about the cost of a copy (1M floats: ~16 ms, a transpose ~10 ms); so
 * dx = dy W^T runs as (W dy^T)^T, never packing W^T. Swapping needs unbatched inputs (XNNPACK's only path).
 */
export function planMatMul(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): MatMulPlan {
  const sizeA = sizeOf(aShape);
  const sizeB = sizeOf(bShape);
  const unbatched = sizeOf(aShape.slice(0, -2)) === 1 && sizeOf(bShape.slice(0, -2)) === 1;
  if (!unbatched) return 'direct';
  const m = transposeA ? aShape[aShape.length - 1] : aShape[aShape.length - 2];
  const n = transposeB ? bShape[bShape.length - 2] : bShape[bShape.length - 1];
  const direct = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + sizeB;
  const swapped = (transposeA ? 0 : sizeA) + (transposeB ? 0 : sizeB) + m * n + sizeA;
  return swapped < direct ? 'swapped' : 'direct';
}

function patchedBatchMatMul(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs } = args;
    const a = inputs.a as tf.TensorInfo;
    const b = inputs.b as tf.TensorInfo;
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    const plain = !transposeA && !transposeB;
    // Let the stock kernel handle (and reject) what it handles already: no transposes, non-float32, empty.
    if (plain || a.dtype !== 'float32' || b.dtype !== 'float32' || sizeOf(a.shape) * sizeOf(b.shape) === 0) {
      return stock(args);
    }
    const noTranspose = { transposeA: false, transposeB: false };
    if (planMatMul(a.shape, b.shape, transposeA, transposeB) === 'direct') {
      const a2 = transposeA ? transposeLastTwo(backend, a) : undefined;
      const b2 = transposeB ? transposeLastTwo(backend, b) : undefined;
      try {
        return stock({ inputs: { a: a2 ?? a, b: b2 ?? b }, backend, attrs: noTranspose });
      } finally {
        release(backend, a2, b2);
      }
    }
    const left = transposeB ? undefined : transposeLastTwo(backend, b); // op(B)^T  [.., n, k]
    const right = transposeA ? undefined : transposeLastTwo(backend, a); // op(A)^T [.., k, m]
    let cT: tf.TensorInfo | undefined;
    try {
      const out = stock({ inputs: { a: left ?? b, b: right ?? a }, backend, attrs: noTranspose });
      cT = Array.isArray(out) ? out[0] : out; // [.., n, m]
      return transposeLastTwo(backend, cT); // [.., m, n]
    } finally {
      release(backend, left, right, cT);
    }
  };
}

/** BatchMatMul on wasm with transposes done by the wasm Transpose kernel. */
export const matMulTransposePatch: KernelPatch = {
  name: 'matmul-transpose',
  kernelName: tf.BatchMatMul,
  build(stock) {
    if (stock === undefined) throw new Error('wasm backend has no BatchMatMul kernel to patch');
    return { ...stock, kernelFunc: patchedBatchMatMul(stock.kernelFunc) };
  },
};
