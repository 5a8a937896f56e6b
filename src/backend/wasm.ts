// Loading the wasm backend in plain Node: imported lazily, .wasm files located inside the npm package.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

let pathsSet = false;

/**
 * Imports @tensorflow/tfjs-backend-wasm and sets it as the tfjs backend; throws when it cannot start.
 *
 * Imported here rather than at the top of a module because importing it registers 'wasm' at a higher
 * priority than 'cpu', after which any tf call made before `tf.setBackend` throws "backend 'wasm' has not yet
 * been initialized". Node gets one thread: tfjs disables wasm multithreading under Node
 * (WASM_HAS_MULTITHREAD_SUPPORT is false), so parallelism comes from worker processes.
 */
export async function loadWasm(): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!pathsSet) {
    // Emscripten finds the .wasm next to the package's node bundle by default; saying so explicitly keeps
    // that true when our code is bundled or run from another directory.
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.dirname(entry) + path.sep);
    pathsSet = true;
  }
  if (!(await tf.setBackend('wasm'))) {
    throw new Error('the wasm backend failed to initialise (see the tfjs warning above)');
  }
}
