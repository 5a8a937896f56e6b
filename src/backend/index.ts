// Public API of the backend module: choose and start a tfjs backend, with the wasm kernel patches.
export { BACKEND_NAMES, type BackendChoice, type BackendName } from './types.js';
export { initBackend, type InitBackendOptions } from './init.js';
export { WASM_PATCHES, applyWasmPatches, removeWasmPatches } from './patches.js';
export type { KernelPatch } from './patch.js';
export { valuesOn, maxScaledError } from './oracle.js';
export { SECOND_ORDER_GRADIENTS, registerSecondOrderGradients } from './second-order-gradients.js';
