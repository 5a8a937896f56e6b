// Dropout (Srivastava et al. 2014), inverted as in PyTorch (kept units scaled by 1 / (1 - rate)), with masks
// drawn from the shard's keyed stream (seed, step, round, shard, layer, call): the same mask on any worker,
// never TF.js's global RNG (DESIGN.md §3). The identity outside training.
import * as tf from '@tensorflow/tfjs';
import { isTraining, shardContext } from './shard-context.js';

export interface KeyedDropoutArgs {
  name?: string;
  rate: number;
}

export class KeyedDropout extends tf.layers.Layer {
  static readonly className = 'KeyedDropout';
  readonly rate: number;

  constructor(args: KeyedDropoutArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`dropout rate ${args.rate}: must be in [0, 1)`);
    this.rate = args.rate;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!isTraining(kwargs) || this.rate === 0) return tf.clone(x);
      const ctx = shardContext();
      if (!ctx) throw new Error(`${this.name}: dropout in training needs a shard context (its masks are keyed by the shard)`);
      const rng = ctx.random(this.name);
      const keep = 1 / (1 - this.rate);
      const mask = new Float32Array(x.size);
      for (let i = 0; i < mask.length; i++) mask[i] = rng.uniform() >= this.rate ? keep : 0;
      return tf.mul(x, tf.tensor(mask, x.shape));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}

tf.serialization.registerClass(KeyedDropout);
