// Progressive growing on the master state (Karras et al. 2018 §3): carrying weights and Adam moments by name
// from the networks before a stage change to the networks after it.
import type { NamedWeights } from '../src/models/index.js';
import type { AdamState } from '../src/train/adam.js';

/** The grown network's weights: each kept name's old values (shape checked), the rest from `fresh`. */
export function carryWeights(old: NamedWeights, fresh: NamedWeights): NamedWeights {
  const byName = new Map(old.names.map((n, i) => [n, i]));
  const values = fresh.names.map((name, i) => {
    const k = byName.get(name);
    if (k === undefined) return fresh.values[i];
    if (old.shapes[k].join(',') !== fresh.shapes[i].join(',')) throw new Error(`grow: weight ${name} changes shape [${old.shapes[k]}] -> [${fresh.shapes[i]}]`);
    return old.values[k];
  });
  return { names: fresh.names, shapes: fresh.shapes, values };
}

/**
 * A phase's Adam state over the grown variables (`names`, wire order, `sizes` values each): kept variables keep
 * their moments and start, new ones start now with zero moments; the step count t goes on.
 */
export function carryAdam(old: AdamState, oldNames: readonly string[], names: readonly string[], sizes: readonly number[]): AdamState {
  const byName = new Map(oldNames.map((n, i) => [n, i]));
  const pick = (k: number | undefined, arrays: Float32Array[], n: number) => (k === undefined ? new Float32Array(n) : arrays[k]);
  const ks = names.map((n) => byName.get(n));
  return {
    t: old.t,
    m: ks.map((k, i) => pick(k, old.m, sizes[i])),
    v: ks.map((k, i) => pick(k, old.v, sizes[i])),
    start: ks.map((k) => (k === undefined ? old.t : (old.start?.[k] ?? 0))),
  };
}
