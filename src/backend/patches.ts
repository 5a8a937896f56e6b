// The wasm kernel patches, registered from one explicit list; each is checked against cpu in test/backend/.
import * as tf from '@tensorflow/tfjs';
import { identitySharePatch } from './identity-share-patch.js';
import { WASM, wasmKernel } from './kernel-util.js';
import {
  openblasConv2DBackpropFilterPatch,
  openblasConv2DBackpropInputPatch,
  openblasConv2DPatch,
  openblasFusedConv2DPatch,
} from './openblas-conv-patch.js';
import { openblasFusedMatMulPatch, openblasMatMulPatch } from './openblas-matmul-patch.js';
import type { KernelPatch } from './patch.js';

/** Every wasm patch, in registration order. */
export const WASM_PATCHES: readonly KernelPatch[] = Object.freeze([
  openblasMatMulPatch, // native OpenBLAS on the wasm heap when the addon is built, else matmul-transpose
  openblasFusedMatMulPatch, // likewise, else fused-matmul
  openblasConv2DBackpropFilterPatch, // native im2col + OpenBLAS when built, else conv2d-backprop-filter
  openblasConv2DBackpropInputPatch, // likewise, else conv2d-backprop-input
  openblasConv2DPatch, // native when built, else XNNPACK's stock kernel (not patched)
  openblasFusedConv2DPatch, // likewise
  identitySharePatch, // no copy for the tensors the engine saves for backward
]);

/** The patches applied on this machine (the native ones only when the addon is built). */
function applicable(): KernelPatch[] {
  return WASM_PATCHES.filter((p) => p.available?.() ?? true);
}

/** Stock configs of the kernels currently patched (undefined: wasm had none), by kernel name. */
const stockKernels = new Map<string, tf.KernelConfig | undefined>();

/**
 * Registers every patch on wasm (idempotent) and returns their names. Works before or after the wasm backend
 * is initialised: patched kernels keep the stock setupFunc, which tfjs runs on each `tf.setBackend('wasm')`.
 */
export function applyWasmPatches(): string[] {
  const patches = applicable();
  for (const patch of patches) {
    if (stockKernels.has(patch.kernelName)) continue;
    const stock = wasmKernel(patch.kernelName);
    const replacement = patch.build(stock);
    if (stock !== undefined) tf.unregisterKernel(patch.kernelName, WASM);
    tf.registerKernel(replacement);
    stockKernels.set(patch.kernelName, stock);
  }
  return patches.map((p) => p.name);
}

/** Restores the stock wasm kernels (for benchmarks comparing stock and patched, and for `patches: false`). */
export function removeWasmPatches(): void {
  for (const [kernelName, stock] of stockKernels) {
    tf.unregisterKernel(kernelName, WASM);
    if (stock !== undefined) tf.registerKernel(stock);
  }
  stockKernels.clear();
}

