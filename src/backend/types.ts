// Backend names and the record of what initBackend chose (DESIGN.md §7).

/** A `--backend` value: `auto` picks the fastest one that loads. */
export type BackendName = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** Every valid `--backend` value, in the order `auto` tries them (after `auto` itself). */
export const BACKEND_NAMES: readonly BackendName[] = Object.freeze([
  'auto',
  'tensorflow-gpu',
  'tensorflow',
  'wasm',
  'cpu',
] as const);

/** What initBackend settled on, to be logged and saved with the run. */
export interface BackendChoice {
  /** The backend in use (tfjs-node and tfjs-node-gpu both register as tfjs backend `tensorflow`). */
  name: Exclude<BackendName, 'auto'>;
  /** What was chosen and why, e.g. "wasm: @tensorflow/tfjs-node-gpu not installed, ...". */
  reason: string;
  /** Names of the kernel patches registered for this backend (empty unless wasm with patches on). */
  patches: string[];
}

/** The tfjs backend name each choice registers under. */
export const TFJS_BACKEND: Readonly<Record<BackendChoice['name'], string>> = Object.freeze({
  'tensorflow-gpu': 'tensorflow',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
});
