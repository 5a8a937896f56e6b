// Calling wasm kernels from inside other kernels: no engine, no gradient tape, explicit disposal of intermediates.
import * as tf from '@tensorflow/tfjs';

/** The tfjs backend every patch in this folder targets. */
export const WASM = 'wasm';

/** The backend object handed to a kernelFunc, typed as what it is. */
export type Backend = tf.KernelBackend;

/** A kernel's inputs/attrs as kernelFunc receives them. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The backend as kernelFunc receives it (typed `{}` by tfjs; a Backend at run time). */
export type BackendArg = KernelArgs['backend'];

/** The config registered for `kernelName` on wasm, or undefined when wasm has none. */
export function wasmKernel(kernelName: string): tf.KernelConfig | undefined {
  // getKernel is typed as always returning a config, but returns undefined for unregistered kernels.
  return tf.getKernel(kernelName, WASM) as tf.KernelConfig | undefined;
}

/**
 * Runs the kernel currently registered for `kernelName` on wasm, directly. Its output belongs to the caller:
 * return it from the calling kernel or release it with `release`.
 */
export function callKernel(
  kernelName: string,
  backend: BackendArg,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const config = wasmKernel(kernelName);
  if (config === undefined) throw new Error(`wasm backend has no '${kernelName}' kernel`);
  const out = config.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`wasm kernel '${kernelName}' returned ${out.length} outputs, expected 1`);
  return out;
}

/** Frees intermediates made inside a kernel (each holds one reference on the backend). */
export function release(backend: BackendArg, ...infos: (tf.TensorInfo | undefined)[]): void {
  for (const info of infos) if (info !== undefined) (backend as Backend).disposeData(info.dataId);
}

/** The same data seen with another shape of equal size; a view, so it must not be released or returned. */
export function view(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

/** Copies `x` with its axes permuted (wasm Transpose kernel). */
export function transpose(backend: BackendArg, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return callKernel(tf.Transpose, backend, { x }, { perm });
}

/** Copies `x` with its last two axes swapped: [..., r, c] -> [..., c, r]. */
export function transposeLastTwo(backend: BackendArg, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return transpose(backend, x, perm);
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}
