// The checkpoint module's public data types (DESIGN.md §9): what the coordinator hands in and gets back.
import type { LayersModel } from '@tensorflow/tfjs';

/** One named float32 array, e.g. Adam's `m` of one variable: `data.length` equals the product of `shape`. */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Everything one checkpoint holds. */
export interface CheckpointData {
  /** Completed training steps; names the folder (`step-000042`). */
  step: number;
  /** The resolved config (plain JSON-able object), saved as config.json. */
  config: unknown;
  /** Networks by name, e.g. `{ G, D }` -> `<name>/model.json` + `<name>/weights.bin` (TF.js LayersModel format). */
  networks: Record<string, LayersModel>;
  /** Plain arrays by key, e.g. `{ 'optimizer-G': [...] }` -> `<key>.bin`, indexed in state.json. */
  state: Record<string, NamedArray[]>;
  /** JSON-able extras: schedule position, sampler/RNG position, weight versions, ... */
  meta: Record<string, unknown>;
}

/** A checkpoint read back (after its checksums were verified); the caller disposes the networks. */
export interface LoadedCheckpoint {
  dir: string;
  step: number;
  config: unknown;
  networks: Record<string, LayersModel>;
  state: Record<string, NamedArray[]>;
  meta: Record<string, unknown>;
}

/** Options of saveCheckpoint. */
export interface SaveOptions {
  /** How many checkpoints (highest steps) to keep after saving; default 3; `Infinity` keeps all. */
  keep?: number;
  /** Replace an existing checkpoint of the same step instead of failing; default false. */
  overwrite?: boolean;
}

/** Options of loadCheckpoint. */
export interface LoadOptions {
  /** When given, the saved config must deep-equal it (after a JSON round trip), else a CheckpointError. */
  expectConfig?: unknown;
}
