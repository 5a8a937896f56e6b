// The context of one micro-shard's forward pass (DESIGN.md §3): the RNG key of its random draws (dropout
// masks) and the recorder of the batch statistics its stateful layers produce (BatchNorm means and variances,
// spectral norm's power-iteration vector). Layers run in training mode exactly when a context is active, so
// the objectives need not thread a `training` flag through TF.js's functional models (which drop it).
import type * as tf from '@tensorflow/tfjs';
import { KeyedRandom, type KeyPart } from '../../rng.js';

interface Recorded {
  sum: Float64Array;
  calls: number;
}

/** One shard's forward-pass context: keyed random streams per layer call, and recorded state updates. */
export class ShardContext {
  private readonly calls = new Map<string, number>();
  private readonly recorded = new Map<tf.LayerVariable, Recorded>();

  /** `key` is (seed, step, round tag, shard): every random draw of the shard extends it. */
  constructor(readonly key: readonly KeyPart[]) {}

  /** A fresh keyed stream for the next call of `layer` (calls counted, so D(real) and D(fake) differ). */
  random(layer: string): KeyedRandom {
    const n = this.calls.get(layer) ?? 0;
    this.calls.set(layer, n + 1);
    return new KeyedRandom(...this.key, layer, n);
  }

  /** Records a batch value for the state variable `v` (read now; calls within the shard are averaged). */
  record(v: tf.LayerVariable, value: tf.Tensor): void {
    const data = value.dataSync();
    let r = this.recorded.get(v);
    if (!r) this.recorded.set(v, (r = { sum: new Float64Array(data.length), calls: 0 }));
    for (let i = 0; i < data.length; i++) r.sum[i] += data[i];
    r.calls += 1;
  }

  /** The mean over this shard's calls of the values recorded for `v`, or undefined when none was. */
  mean(v: tf.LayerVariable): Float32Array<ArrayBuffer> | undefined {
    const r = this.recorded.get(v);
    if (!r) return undefined;
    return Float32Array.from(r.sum, (s) => s / r.calls);
  }
}

let current: ShardContext | undefined;

/** Runs f with `ctx` as the active shard context (layers train and record), restoring the previous one. */
export function inShard<T>(ctx: ShardContext, f: () => T): T {
  const previous = current;
  current = ctx;
  try {
    return f();
  } finally {
    current = previous;
  }
}

/** The active shard context, if any. */
export function shardContext(): ShardContext | undefined {
  return current;
}

/** Training mode: an explicit `training` kwarg wins; otherwise whether a shard context is active. */
export function isTraining(kwargs: Record<string, unknown> | undefined): boolean {
  const flag = kwargs?.training;
  return typeof flag === 'boolean' ? flag : current !== undefined;
}

/**
 * A layer with non-trainable state that training updates (BatchNorm running statistics, spectral norm's u).
 * The coordinator merges the shard-averaged batch value into the canonical copy with `mergeState`, in plain
 * float arithmetic, so the state is the same bits whatever the backend of the workers' reduction.
 */
export interface StatefulLayer {
  /** Updates `old` in place from `batch`, the mean over micro-shards of what the shards recorded for `weight`. */
  mergeState(weight: string, old: Float32Array, batch: Float32Array): void;
}

export function isStateful(layer: unknown): layer is StatefulLayer {
  return typeof (layer as Partial<StatefulLayer>).mergeState === 'function';
}
