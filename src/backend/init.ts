// initBackend: pick and start a tfjs backend (--backend) and say what was taken and why, for the caller to log.
import * as tf from '@tensorflow/tfjs';
import { GanymedeError } from '../errors.js';
import { loadNative, NATIVE_PACKAGES, type NativeName } from './native.js';
import { openblasStatus } from './openblas-matmul-patch.js';
import { applyWasmPatches, removeWasmPatches } from './patches.js';
import { registerSecondOrderGradients } from './second-order-gradients.js';
import { BACKEND_NAMES, TFJS_BACKEND, type BackendChoice, type BackendName } from './types.js';
import { loadWasm } from './wasm.js';

/** Options of initBackend. */
export interface InitBackendOptions {
  /** Register the wasm kernel patches (src/backend/patches.ts) when the backend is wasm. Default true. */
  patches?: boolean;
}

/** GANYMEDE_KERNEL_PATCHES=off turns the wasm patches off everywhere, workers included (for benchmarks). */
const defaultOptions = (): Required<InitBackendOptions> => ({ patches: process.env.GANYMEDE_KERNEL_PATCHES !== 'off' });

let last: { key: string; choice: Promise<BackendChoice> } | undefined;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function startNative(name: NativeName): Promise<BackendChoice> {
  const result = await loadNative(name);
  if (result.ok) return { name, reason: `${name}: requested`, patches: [] };
  const pkg = NATIVE_PACKAGES[name];
  throw new GanymedeError(`backend '${name}' is unavailable: ${pkg} ${result.why}`, {
    hint: `npm install ${pkg} (its install downloads libtensorflow, so it needs internet), or use --backend wasm`,
  });
}

async function startWasm(patches: boolean, reason: string): Promise<BackendChoice> {
  await loadWasm();
  if (!patches) {
    removeWasmPatches();
    return { name: 'wasm', reason, patches: [] };
  }
  const applied = applyWasmPatches();
  const blas = openblasStatus();
  const matmul = blas.ok ? `native OpenBLAS matMul (${blas.config})` : `wasm matMul (native OpenBLAS off: ${blas.why})`;
  return { name: 'wasm', reason: `${reason}; ${matmul}`, patches: applied };
}

/** The cpu backend prints a banner on first use in Node; our own log already says which backend runs. */
function quietCpu(): void {
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
}

async function startAuto(patches: boolean): Promise<BackendChoice> {
  const notes: string[] = [];
  for (const name of ['tensorflow-gpu', 'tensorflow'] as const) {
    const result = await loadNative(name);
    if (result.ok) return { name, reason: [`${name}: loaded ${NATIVE_PACKAGES[name]}`, ...notes].join(', '), patches: [] };
    notes.push(`${NATIVE_PACKAGES[name]} ${result.why}`);
  }
  try {
    return await startWasm(patches, `wasm: ${notes.join(', ')}`);
  } catch (error) {
    notes.push(`wasm failed (${describe(error)})`);
  }
  await tf.setBackend('cpu');
  quietCpu();
  return { name: 'cpu', reason: `cpu: ${notes.join(', ')}`, patches: [] };
}

async function start(requested: BackendName, patches: boolean): Promise<BackendChoice> {
  switch (requested) {
    case 'auto':
      return startAuto(patches);
    case 'tensorflow-gpu':
    case 'tensorflow':
      return startNative(requested);
    case 'wasm':
      try {
        return await startWasm(patches, 'wasm: requested');
      } catch (error) {
        throw new GanymedeError(`backend 'wasm' is unavailable: ${describe(error)}`, {
          hint: 'check that @tensorflow/tfjs-backend-wasm is installed, or use --backend cpu',
          cause: error,
        });
      }
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw new GanymedeError("backend 'cpu' failed to initialise");
      quietCpu();
      return { name: 'cpu', reason: 'cpu: requested', patches: [] };
    default:
      throw new GanymedeError(`unknown backend '${String(requested)}'`, {
        hint: `valid backends: ${BACKEND_NAMES.join(', ')}`,
      });
  }
}

/**
 * Selects and initialises a backend; idempotent for the same request. patches defaults to true.
 *
 * `auto` takes @tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node (optional packages, normally absent),
 * then wasm, then cpu. An explicitly requested backend that cannot start throws GanymedeError with a hint.
 * Await it before any other tf call.
 */
export async function initBackend(requested: BackendName, options: InitBackendOptions = {}): Promise<BackendChoice> {
  const patches = options.patches ?? defaultOptions().patches;
  registerSecondOrderGradients(); // global to tfjs: every backend takes gradients of gradients correctly
  const key = `${requested}/${patches}`;
  if (last?.key === key) {
    const choice = await last.choice.catch(() => undefined);
    // Still current unless someone switched backends since (tests do, with tf.setBackend).
    if (choice !== undefined && tf.getBackend() === TFJS_BACKEND[choice.name]) {
      // Both idempotent: re-assert the patches in case removeWasmPatches ran since (the benchmark does).
      if (choice.name === 'wasm' && patches) applyWasmPatches();
      if (choice.name === 'wasm' && !patches) removeWasmPatches();
      return { ...choice, patches: [...choice.patches] };
    }
  }
  const choice = start(requested, patches);
  last = { key, choice };
  const result = await choice;
  return { ...result, patches: [...result.patches] };
}
