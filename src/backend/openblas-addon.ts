// Loading the optional OpenBLAS addon (native/gemm.cc, built by scripts/build-native.mjs); absent is normal.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Activation codes of OpenblasAddon.gemm's epilogue. */
export const GEMM_ACTIVATION = Object.freeze({ linear: 0, relu: 1, relu6: 2, leakyrelu: 3 } as const);

/** The addon's API (see the header comment of native/gemm.cc). */
export interface OpenblasAddon {
  /**
   * C = op(A) op(B) (+ bias rows, then activation) for `batch` row-major float32 products on `heap`.
   * Offsets in bytes, strides in elements (0 broadcasts), biasOff -1 for none. Throws on any range outside
   * the heap; never writes then.
   */
  gemm(
    heap: ArrayBuffer,
    aOff: number,
    bOff: number,
    cOff: number,
    m: number,
    n: number,
    k: number,
    transA: number,
    transB: number,
    batch: number,
    strideA: number,
    strideB: number,
    strideC: number,
    biasOff: number,
    activation: number,
    alpha: number,
  ): void;
  /** OpenBLAS build, core type and thread count, e.g. "OpenBLAS 0.3.21 ... SkylakeX ..., threads 1". */
  config(): string;
  /**
   * NHWC conv2d (mode 0), its input gradient (1) and filter gradient (2) by im2col + sgemm (native/conv.cc).
   * Absent from builds older than conv.cc: callers check.
   */
  conv?(
    heap: ArrayBuffer,
    mode: number,
    xOff: number,
    wOff: number,
    yOff: number,
    ...geometryBiasActAlpha: number[]
  ): void;
  /** One Adam step over one tensor in place, bit-identical to src/train/adam.ts's loop (absent in older builds). */
  adam?(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, b1: number, a1: number, b2: number, a2: number, stepSize: number, sqrtC2: number, eps: number): void;
  /** a[i] += b[i] in place, bit for bit the JS loop's (native/vector.cc; absent in older builds). */
  addInto?(a: Float32Array, b: Float32Array): void;
  /** Whether no value is NaN or +-Infinity (native/vector.cc; absent in older builds). */
  allFinite?(a: Float32Array): boolean;
}

/** The element-wise loops of native/vector.cc. */
export type VectorKernels = Required<Pick<OpenblasAddon, 'addInto' | 'allFinite'>>;

/**
 * Below this many values a JS loop beats the cost of a native call; above it the native loops are several
 * times faster (`node dist/bench/speedups.js`).
 */
export const NATIVE_VECTOR_MIN = 1024;

/** Which loop a caller runs: the native one when built ('auto'), or always its JS one (for comparisons). */
export type KernelChoice = 'auto' | 'js';

/** The addon's element-wise loops when it is built and has them; undefined otherwise (callers loop in JS). */
export function nativeVector(): VectorKernels | undefined {
  const load = loadOpenblas(); // loaded once, then cached
  return load.ok && load.addon.addInto && load.addon.allFinite ? (load.addon as VectorKernels) : undefined;
}

/** The addon, or why it is not used. */
export type OpenblasLoad = { ok: true; addon: OpenblasAddon; file: string } | { ok: false; why: string };

const ADDON = path.join('native', 'build', 'Release', 'gemm.node');

/** The nearest ancestor of this file holding package.json (the source tree or, from dist/, its parent). */
function packageRoot(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, ADDON))) return dir;
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(path.join(dir, 'native'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * OpenBLAS 0.3.21 (Debian 12) does not recognise recent Xeons (e.g. Sapphire/Emerald Rapids) and falls back
 * to its SSE3 'Prescott' kernels, ~4x slower (measured 13-17 vs ~58 GFLOPS). Choose the kernel from the CPU
 * flags instead; this also gives every AVX-512 worker the same kernel, hence the same rounding. Must be set
 * before libopenblas loads; an OPENBLAS_CORETYPE already set wins.
 */
function coreTypeFromCpuFlags(): string | undefined {
  let cpuinfo: string;
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? []);
  if (['avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'avx512cd'].every((f) => flags.has(f))) return 'SkylakeX';
  if (['avx2', 'fma'].every((f) => flags.has(f))) return 'Haswell';
  return undefined;
}

/** [1 2; 3 4]^T [5 6; 7 8] + [1 1], relu: catches a stale build with another signature, or a broken CBLAS. */
function smokeTest(addon: OpenblasAddon): boolean {
  const heap = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 1, 1]);
  try {
    addon.gemm(heap.buffer, 0, 16, 32, 2, 2, 2, 1, 0, 1, 0, 0, 4, 48, GEMM_ACTIVATION.relu, 0);
  } catch {
    return false;
  }
  return [27, 31, 39, 45].every((v, i) => heap[8 + i] === v);
}

let cached: OpenblasLoad | undefined;

/**
 * Loads native/build/Release/gemm.node once (later calls return the same result). Never throws.
 * GANYMEDE_OPENBLAS=0 disables it (for comparisons); GANYMEDE_OPENBLAS_ADDON=<file> loads another build.
 */
export function loadOpenblas(): OpenblasLoad {
  if (cached !== undefined) return cached;
  cached = load();
  return cached;
}

function load(): OpenblasLoad {
  if (process.env.GANYMEDE_OPENBLAS === '0') return { ok: false, why: 'disabled by GANYMEDE_OPENBLAS=0' };
  const root = packageRoot();
  const file = process.env.GANYMEDE_OPENBLAS_ADDON || (root === undefined ? undefined : path.join(root, ADDON));
  if (file === undefined || !existsSync(file)) {
    return { ok: false, why: `${ADDON} not built (needs libopenblas-dev and g++; see scripts/build-native.mjs)` };
  }
  // One thread per process (workers are one per core): OpenBLAS then starts no thread pool at all.
  process.env.OPENBLAS_NUM_THREADS ??= '1';
  if (process.env.OPENBLAS_CORETYPE === undefined) {
    const core = coreTypeFromCpuFlags();
    if (core !== undefined) process.env.OPENBLAS_CORETYPE = core;
  }
  try {
    const addon = createRequire(import.meta.url)(file) as OpenblasAddon;
    if (typeof addon.gemm !== 'function' || typeof addon.config !== 'function' || !smokeTest(addon)) {
      return { ok: false, why: `${file} is not a working gemm addon (stale build? run scripts/build-native.mjs)` };
    }
    return { ok: true, addon, file };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { ok: false, why: `${file} failed to load (${text.split('\n', 1)[0]})` };
  }
}
