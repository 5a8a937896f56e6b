// The flow of non-trainable state (BatchNorm running statistics, spectral norm's u): workers compute it,
// the coordinator keeps the canonical copy (DESIGN.md §3-4). A shard's forward pass records, per state
// variable of the networks its phase updates, the mean over its calls; the worker appends those values,
// scaled by 1 / microShards, after the gradients, so the fixed reduction tree sums them into the mean over
// micro-shards, bit-identical whoever computed what. The coordinator then merges that mean into its copy
// with the owning layer's rule (momentum average, normalisation) and publishes it with the next weights.
import type * as tf from '@tensorflow/tfjs';
import { isStateful, type ShardContext } from '../models/layers/shard-context.js';

/** The non-trainable weights of a network, in `model.weights` order, less those of frozen layers (src/train/freeze.ts). */
export function stateVariables(model: tf.LayersModel, frozen: ReadonlySet<string> = NONE): tf.LayerVariable[] {
  return model.weights.filter((w) => !w.trainable && !frozen.has(w.originalName));
}

const NONE: ReadonlySet<string> = new Set();

/** The shard's contribution for every state variable of `nets` (in order): recorded mean / microShards. */
export function stateContributions(
  nets: readonly tf.LayersModel[], ctx: ShardContext, microShards: number, frozen: readonly ReadonlySet<string>[] = [],
): Float32Array<ArrayBuffer>[] {
  return nets.flatMap((model, n) =>
    stateVariables(model, frozen[n]).map((v) => {
      const value = ctx.mean(v);
      if (!value) throw new Error(`state ${v.originalName} of ${model.name} was not updated by this round's forward pass`);
      for (let i = 0; i < value.length; i++) value[i] /= microShards;
      return value;
    }),
  );
}

/** Merges reduced batch values into a network's state, in place; `values` are its weights in `model.weights` order. */
export function mergeState(model: tf.LayersModel, values: Float32Array[], batch: readonly Float32Array[], frozen: ReadonlySet<string> = NONE): void {
  let k = 0;
  model.weights.forEach((w, i) => {
    if (w.trainable || frozen.has(w.originalName)) return;
    const layer = model.layers.find((l) => l.weights.includes(w));
    if (!isStateful(layer)) throw new Error(`state ${w.originalName}: its layer has no merge rule`);
    layer.mergeState(w.originalName.slice(w.originalName.lastIndexOf('/') + 1), values[i], batch[k++]);
  });
  if (k !== batch.length) throw new Error(`state of ${model.name}: ${batch.length} values for ${k} variables`);
}
