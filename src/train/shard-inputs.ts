// A shard's inputs: keyed normal noise and the shard's pixels as floats (DESIGN.md §3: keyed by seed, step, tag, shard).
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/index.js';
import { KeyedRandom } from '../rng.js';

/** The fields of a shard task the inputs depend on. */
export interface ShardKey { phase: string; tag: string; step: number; shard: number; count: number; x?: Uint8Array }

/** n x dim standard normal draws keyed by (seed, step, tag, shard, what). */
export function normal(config: Readonly<Config>, task: ShardKey, what: string, n: number, dim: number): tf.Tensor2D {
  const rng = new KeyedRandom(config.seed, task.step, task.tag, task.shard, what);
  return tf.tensor2d(rng.normal(n * dim), [n, dim]);
}

/** The shard's images as x * scale + offset, [count, pixels]. */
export function pixels(task: ShardKey, scale: number, offset: number): tf.Tensor2D {
  const x = task.x;
  if (!x) throw new Error(`phase ${task.phase} (${task.tag}) needs the shard's images`);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * scale + offset;
  return tf.tensor2d(out, [task.count, x.length / task.count]);
}
