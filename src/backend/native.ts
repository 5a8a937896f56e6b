// Loading the optional libtensorflow backends (@tensorflow/tfjs-node, -node-gpu); absent on offline machines.
import * as tf from '@tensorflow/tfjs';

/** The npm package behind each native choice. */
export const NATIVE_PACKAGES = Object.freeze({
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const);

/** A native choice: both packages register the tfjs backend `tensorflow`. */
export type NativeName = keyof typeof NATIVE_PACKAGES;

/** Whether a native backend was loaded and set; when not, why, phrased to follow the package name. */
export type NativeResult = { ok: true } | { ok: false; why: string };

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0] ?? text;
}

/**
 * Imports the package (which registers backend `tensorflow` into the shared @tensorflow/tfjs-core) and sets
 * it. Never throws: a missing package is the normal case here.
 */
export async function loadNative(name: NativeName): Promise<NativeResult> {
  const pkg: string = NATIVE_PACKAGES[name];
  try {
    // A string variable, so that TypeScript does not require the optional package's types at build time.
    await import(pkg);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' && firstLine(error).includes(`'${pkg}'`);
    return { ok: false, why: missing ? 'not installed' : `failed to load (${firstLine(error)})` };
  }
  // Two copies of tfjs-core (version mismatch) would leave our `tf` without the backend.
  if (tf.findBackendFactory('tensorflow') == null) {
    return { ok: false, why: 'loaded, but registered no backend in this @tensorflow/tfjs (versions differ?)' };
  }
  try {
    if (await tf.setBackend('tensorflow')) return { ok: true };
    return { ok: false, why: 'failed to initialise (see the tfjs warning above)' };
  } catch (error) {
    return { ok: false, why: `failed to initialise (${firstLine(error)})` };
  }
}
