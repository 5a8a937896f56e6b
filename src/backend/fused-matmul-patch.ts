// wasm _FusedMatMul (matMul + bias + activation) routed to XNNPACK, or computed unfused where wasm is wrong.
//
// Stock wasm runs fused matMul through XNNPACK only for batch 1 without transposes; otherwise its scalar loop
// is slow and, with a bias, wrong (batch_mat_mul_impl.cc indexes the bias by i*n+j, not j: errors ~1 on
// random data, see test/backend/fused-matmul-patch-matches-cpu.test.ts). This kernel
// 1. materialises flagged transposes so batch-1 products with a length-n bias take the XNNPACK path;
// 2. computes every other case unfused: BatchMatMul (patched), Add (broadcast bias), activation kernel.
import * as tf from '@tensorflow/tfjs';
import { callKernel, release, sizeOf, transposeLastTwo, type BackendArg, type KernelArgs } from './kernel-util.js';
import type { KernelPatch } from './patch.js';

/** Applies a fused activation as its own wasm kernel (undefined for linear); the result belongs to the caller. */
export function applyActivation(
  backend: BackendArg,
  x: tf.TensorInfo,
  attrs: tf._FusedMatMulAttrs,
  preluWeights: tf.TensorInfo | undefined,
): tf.TensorInfo {
  switch (attrs.activation) {
    case 'relu':
      return callKernel(tf.Relu, backend, { x });
    case 'relu6':
      return callKernel(tf.Relu6, backend, { x });
    case 'elu':
      return callKernel(tf.Elu, backend, { x });
    case 'sigmoid':
      return callKernel(tf.Sigmoid, backend, { x });
    case 'leakyrelu':
      return callKernel(tf.LeakyRelu, backend, { x }, { alpha: attrs.leakyreluAlpha ?? 0.2 });
    case 'prelu':
      if (preluWeights === undefined) throw new Error('fused matMul: prelu activation without prelu weights');
      return callKernel(tf.Prelu, backend, { x, alpha: preluWeights });
    default:
      throw new Error(`fused matMul: unknown activation '${String(attrs.activation)}'`);
  }
}

/** matMul, then bias, then activation, each a wasm kernel (the patched BatchMatMul included). */
function unfused(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
  const { a, b, bias, preluActivationWeights } = inputs;
  const made: tf.TensorInfo[] = [];
  let done = false;
  try {
    let out = callKernel(tf.BatchMatMul, backend, { a, b }, {
      transposeA: attrs.transposeA,
      transposeB: attrs.transposeB,
    });
    made.push(out);
    if (bias !== undefined) made.push((out = callKernel(tf.Add, backend, { a: out, b: bias })));
    if (attrs.activation !== 'linear') {
      made.push((out = applyActivation(backend, out, attrs, preluActivationWeights)));
    }
    done = true;
    return out;
  } finally {
    release(backend, ...(done ? made.slice(0, -1) : made)); // all but the returned output
  }
}

/** Whether XNNPACK's fused path computes this call correctly once transposes are materialised. */
function xnnpackHandles(inputs: Record<string, tf.TensorInfo | undefined>, transposeB: boolean): boolean {
  const { a, b, bias, preluActivationWeights: prelu } = inputs;
  if (a === undefined || b === undefined) return false;
  if (a.shape.length !== 3 || b.shape.length !== 3 || a.shape[0] !== 1 || b.shape[0] !== 1) return false;
  const n = transposeB ? b.shape[1] : b.shape[2];
  // XNNPACK reads exactly n bias values and applies prelu weights per output column.
  if (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== n)) return false;
  if (prelu !== undefined && sizeOf(prelu.shape) !== n) return false;
  return sizeOf(a.shape) * sizeOf(b.shape) > 0;
}

function patchedFusedMatMul(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { backend } = args;
    const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
    const { a, b } = inputs;
    if (a === undefined || b === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return stock(args); // stock raises its own error for these
    }
    if (!xnnpackHandles(inputs, attrs.transposeB)) return unfused(args);
    if (!attrs.transposeA && !attrs.transposeB) return stock(args);
    const a2 = attrs.transposeA ? transposeLastTwo(backend, a) : undefined;
    const b2 = attrs.transposeB ? transposeLastTwo(backend, b) : undefined;
    try {
      return stock({
        inputs: { ...args.inputs, a: a2 ?? a, b: b2 ?? b },
        backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      release(backend, a2, b2);
    }
  };
}

/** _FusedMatMul on wasm: XNNPACK for every transpose combination, unfused (and correct) for the rest. */
export const fusedMatMulPatch: KernelPatch = {
  name: 'fused-matmul',
  kernelName: tf._FusedMatMul,
  build(stock) {
    if (stock === undefined) throw new Error('wasm backend has no _FusedMatMul kernel to patch');
    return { ...stock, kernelFunc: patchedFusedMatMul(stock.kernelFunc) };
  },
};
