// wasm BatchMatMul and _FusedMatMul computed by OpenBLAS sgemm (native/gemm.cc) directly on the wasm heap.
//
// Tensors of the wasm backend live in its heap, an ordinary ArrayBuffer: the addon reads the inputs and writes
// the output (allocated here with the backend's makeOutput, so tfjs owns it) in place, with every transpose
// flag, batched and batch-broadcast. ~58 GFLOPS on one AVX-512 core against XNNPACK's ~25-30 without
// transposes. Uses tfjs-backend-wasm internals (dataIdMap/memoryOffset, wasm.HEAPU8, makeOutput), checked
// against 4.22.x: any other version, a missing addon or an unusual call runs the wasm patches instead
// (matmul-patch.ts, fused-matmul-patch.ts), which these patches wrap.
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { applyActivation, fusedMatMulPatch } from './fused-matmul-patch.js';
import { callKernel, release, sizeOf, type BackendArg, type KernelArgs } from './kernel-util.js';
import { matMulTransposePatch } from './matmul-patch.js';
import { GEMM_ACTIVATION, loadOpenblas, type OpenblasAddon } from './openblas-addon.js';
import type { KernelPatch } from './patch.js';

/** The tfjs-backend-wasm versions whose internals this file was checked against. */
const PINNED_WASM = /^4\.22\./;

/** The parts of tfjs-backend-wasm's BackendWasm used here (not public API). */
export interface WasmInternals {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset?: number | null } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** Whether the native kernels are in use, and if not why (the addon, or the wasm backend version). */
export type OpenblasStatus = { ok: true; config: string } | { ok: false; why: string };

let status: OpenblasStatus | undefined;
let addon: OpenblasAddon | undefined;

function wasmVersion(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url)('@tensorflow/tfjs-backend-wasm/package.json') as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/** Loads the addon once and checks the wasm backend version; never throws. */
export function openblasStatus(): OpenblasStatus {
  if (status !== undefined) return status;
  const load = loadOpenblas();
  const version = wasmVersion();
  if (!load.ok) {
    status = { ok: false, why: load.why };
  } else if (version === undefined || !PINNED_WASM.test(version)) {
    status = { ok: false, why: `@tensorflow/tfjs-backend-wasm ${version ?? '(unknown version)'} is not 4.22.x` };
  } else {
    addon = load.addon;
    status = { ok: true, config: load.addon.config() };
  }
  return status;
}

const calls = { batchMatMul: 0, fusedMatMul: 0 };

/** How many BatchMatMul / _FusedMatMul calls the addon computed (a check that the native path runs). */
export function openblasCalls(): { batchMatMul: number; fusedMatMul: number } {
  return { ...calls };
}

export function internals(backend: BackendArg): WasmInternals | undefined {
  const b = backend as Partial<WasmInternals>;
  const ok = b.wasm?.HEAPU8 instanceof Uint8Array && typeof b.dataIdMap?.get === 'function' && typeof b.makeOutput === 'function';
  return ok ? (b as WasmInternals) : undefined;
}

/** A product the addon computes: C[batch, m, n] = op(A) op(B), strides in elements (0 broadcasts). */
interface GemmPlan {
  m: number;
  n: number;
  k: number;
  batch: number;
  strideA: number;
  strideB: number;
  outShape: number[];
}

/** The plan for a float32 (batch-broadcast) product, or undefined to leave the call to the wasm kernels. */
export function planGemm(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): GemmPlan | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const [ra, rb] = [a.shape.length, b.shape.length];
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb || m < 1 || n < 1 || k < 1) return undefined; // the fallback reports a mismatch; empty: ditto
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return undefined;
  }
  const [batchA, batchB, batch] = [sizeOf(outerA), sizeOf(outerB), sizeOf(outer)];
  // Flat batch indices line up when each operand is either unbroadcast or a single matrix; [2,1] x [1,3]
  // and the like go to the fallback.
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return undefined;
  return {
    m,
    n,
    k,
    batch,
    strideA: batchA === 1 ? 0 : m * k,
    strideB: batchB === 1 ? 0 : k * n,
    outShape: [...outer, m, n],
  };
}

export function offsetOf(be: WasmInternals, x: tf.TensorInfo): number {
  const offset = be.dataIdMap.get(x.dataId)?.memoryOffset;
  if (typeof offset !== 'number') throw new Error('openblas matMul: tensor not on the wasm heap');
  return offset;
}

/** Allocates the output on the wasm heap and fills it natively; the output belongs to the caller. */
function gemm(
  be: WasmInternals,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  plan: GemmPlan,
  bias: tf.TensorInfo | undefined,
  activation: number,
  alpha: number,
): tf.TensorInfo {
  if (addon === undefined) throw new Error('openblas matMul: addon not loaded');
  const out = be.makeOutput(plan.outShape, 'float32');
  try {
    // Read the heap only now: makeOutput's malloc may have grown the memory, detaching the old buffer.
    const heap = be.wasm.HEAPU8.buffer as ArrayBuffer;
    const { m, n, k, batch, strideA, strideB } = plan;
    addon.gemm(
      heap,
      offsetOf(be, a),
      offsetOf(be, b),
      offsetOf(be, out),
      m,
      n,
      k,
      transposeA ? 1 : 0,
      transposeB ? 1 : 0,
      batch,
      strideA,
      strideB,
      m * n,
      bias === undefined ? -1 : offsetOf(be, bias),
      activation,
      alpha,
    );
    return out;
  } catch (error) {
    (be as unknown as tf.KernelBackend).disposeData(out.dataId);
    throw error;
  }
}

function nativeBatchMatMul(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const a = args.inputs.a as tf.TensorInfo;
    const b = args.inputs.b as tf.TensorInfo;
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    const be = internals(args.backend);
    const plan = be === undefined ? undefined : planGemm(a, b, transposeA, transposeB);
    if (be === undefined || plan === undefined) return fallback(args);
    const out = gemm(be, a, b, transposeA, transposeB, plan, undefined, GEMM_ACTIVATION.linear, 0);
    calls.batchMatMul++;
    return out;
  };
}

/** Whether the bias is one row of n values added to every output row (shape [.., 1, n], rank <= output's). */
function isRowBias(bias: tf.TensorInfo, plan: GemmPlan): boolean {
  const s = bias.shape;
  return (
    bias.dtype === 'float32' &&
    s.length >= 1 &&
    s.length <= plan.outShape.length &&
    s[s.length - 1] === plan.n &&
    s.slice(0, -1).every((d) => d === 1)
  );
}

/** An activation the addon applies in place, or undefined for one left to its wasm kernel. */
function nativeActivation(activation: tf.fused.Activation | undefined): number | undefined {
  switch (activation ?? 'linear') {
    case 'linear':
      return GEMM_ACTIVATION.linear;
    case 'relu':
      return GEMM_ACTIVATION.relu;
    case 'relu6':
      return GEMM_ACTIVATION.relu6;
    case 'leakyrelu':
      return GEMM_ACTIVATION.leakyrelu;
    default:
      return undefined;
  }
}

/** The fused activation as its own wasm kernel (the shared fused-matmul helper); the result belongs to the caller. */
function activationKernel(backend: BackendArg, x: tf.TensorInfo, attrs: tf._FusedMatMulAttrs, prelu: tf.TensorInfo | undefined): tf.TensorInfo {
  const out = applyActivation(backend, x, attrs, prelu);
  if (out === undefined) throw new Error(`fused matMul: unknown activation '${String(attrs.activation)}'`);
  return out;
}

const KNOWN_ACTIVATIONS: ReadonlySet<string> = new Set(['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu', 'prelu']);

function nativeFusedMatMul(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { backend } = args;
    const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const attrs = args.attrs as unknown as tf._FusedMatMulAttrs;
    const { a, b, bias, preluActivationWeights: prelu } = inputs;
    const activation = attrs.activation ?? 'linear';
    const be = internals(backend);
    const plan = a === undefined || b === undefined || be === undefined ? undefined : planGemm(a, b, attrs.transposeA, attrs.transposeB);
    if (a === undefined || b === undefined || be === undefined || plan === undefined || !KNOWN_ACTIVATIONS.has(activation)) {
      return fallback(args);
    }
    // Bias rows and linear/relu/relu6/leakyrelu go into the native call; anything else follows as wasm
    // kernels, in the fused order (matMul, bias, activation).
    const rowBias = bias !== undefined && isRowBias(bias, plan);
    const addBias = bias !== undefined && !rowBias;
    const inPlace = addBias ? undefined : nativeActivation(activation);
    let out = gemm(
      be,
      a,
      b,
      attrs.transposeA,
      attrs.transposeB,
      plan,
      rowBias ? bias : undefined,
      inPlace ?? GEMM_ACTIVATION.linear,
      attrs.leakyreluAlpha ?? 0.2,
    );
    calls.fusedMatMul++;
    const made: tf.TensorInfo[] = [out];
    let done = false;
    try {
      if (addBias) made.push((out = callKernel(tf.Add, backend, { a: out, b: bias })));
      if (inPlace === undefined && activation !== 'linear') {
        made.push((out = activationKernel(backend, out, { ...attrs, activation }, prelu)));
      }
      done = true;
      return out;
    } finally {
      release(backend, ...(done ? made.slice(0, -1) : made)); // all but the returned output
    }
  };
}

/**
 * BatchMatMul on wasm by OpenBLAS when native/build/Release/gemm.node loads, else exactly matMulTransposePatch
 * (also the fallback for calls the addon does not take). Replaces matMulTransposePatch in WASM_PATCHES.
 */
export const openblasMatMulPatch: KernelPatch = {
  get name() {
    return openblasStatus().ok ? 'openblas-matmul' : matMulTransposePatch.name;
  },
  kernelName: tf.BatchMatMul,
  build(stock) {
    const fallback = matMulTransposePatch.build(stock);
    if (!openblasStatus().ok) return fallback;
    return { ...fallback, kernelFunc: nativeBatchMatMul(fallback.kernelFunc) };
  },
};

/**
 * _FusedMatMul on wasm by OpenBLAS (bias rows and relu/relu6/leakyrelu in the native call; sigmoid, elu,
 * prelu and other bias shapes as wasm kernels after it) when the addon loads, else exactly fusedMatMulPatch.
 * Replaces fusedMatMulPatch in WASM_PATCHES.
 */
export const openblasFusedMatMulPatch: KernelPatch = {
  get name() {
    return openblasStatus().ok ? 'openblas-fused-matmul' : fusedMatMulPatch.name;
  },
  kernelName: tf._FusedMatMul,
  build(stock) {
    const fallback = fusedMatMulPatch.build(stock);
    if (!openblasStatus().ok) return fallback;
    return { ...fallback, kernelFunc: nativeFusedMatMul(fallback.kernelFunc) };
  },
};
