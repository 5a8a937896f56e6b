// The latent side of the style-based generator (Karras et al. 2019, "A Style-Based Generator Architecture for
// GANs"; StyleGAN2, Karras et al. 2020, training/networks.py MappingNetwork and Generator):
//   LatentNorm   z * rsqrt(mean(z^2) + 1e-8) per sample (normalize_2nd_moment), the mapping network's input;
//   MappingDense the mapping's dense layer with StyleGAN2's learning-rate multiplier (weights scaled at run time);
//   MixingLatent a second z per sample for style mixing, drawn from the shard's keyed stream in training;
//   StyleMixing  [w1, w2] -> ws [B, L, wDim]: layer l of sample b takes w1 below a crossover, w2 from it on
//                (with probability `prob` per sample; crossover uniform in 1..L-1), keyed by the shard;
//   WAverage     tracks the mean w as an EMA (non-trainable `w_avg`, merged by the coordinator from the shards'
//                batch means) and applies the truncation trick w' = w_avg + psi (w - w_avg) when psi != 1.
// Outside training (no shard context) mixing is off and the second z is the first, so G(z) is a function of z.
import * as tf from '@tensorflow/tfjs';
import { isTraining, shardContext, type StatefulLayer } from './shard-context.js';

function one(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/** [B, D] -> [B, D]: each row scaled to unit mean square. */
export class LatentNorm extends tf.layers.Layer {
  static readonly className = 'LatentNorm';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const z = one(inputs);
      return tf.mul(z, tf.rsqrt(tf.add(tf.mean(tf.square(z), 1, true), 1e-8)));
    });
  }
}

/** [B, D] z -> [B, D]: in training a fresh keyed N(0, I) draw per sample (the mixing partner), else z itself. */
export class MixingLatent extends tf.layers.Layer {
  static readonly className = 'MixingLatent';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const z = one(inputs);
      const ctx = shardContext();
      if (!isTraining(kwargs) || !ctx) return tf.clone(z);
      return tf.tensor(ctx.random(this.name).normal(z.size), z.shape);
    });
  }
}

export interface MappingDenseArgs {
  name?: string;
  units: number;
  /** Learning-rate multiplier: the stored kernel is the used one / gain, so Adam's steps shrink by lrMul. */
  lrMul: number;
}

/**
 * [B, In] -> [B, units]: x (k * g) + b * lrMul with g = lrMul sqrt(2 / In), StyleGAN2's mapping FullyConnectedLayer
 * (its LReLU gain sqrt(2) folded into g). Adam's step is about lr in the stored kernel k ~ N(0, 1 / lrMul^2),
 * so the used kernel moves lrMul times slower than a plain dense layer's: the mapping's 0.01 multiplier.
 */
export class MappingDense extends tf.layers.Layer {
  static readonly className = 'MappingDense';
  readonly units: number;
  readonly lrMul: number;
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(args: MappingDenseArgs) {
    super({ name: args.name });
    if (!(args.lrMul > 0)) throw new Error(`mapping layer: lrMul ${args.lrMul} must be above 0`);
    this.units = args.units;
    this.lrMul = args.lrMul;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    this.kernel = this.addWeight('mapping_kernel', [shape[1] as number, this.units], 'float32', tf.initializers.zeros());
    this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  /** The kernel as used: stored kernel times lrMul sqrt(2 / In). */
  gain(): number {
    return this.lrMul * Math.sqrt(2 / (this.kernel.shape[0] as number));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs) as tf.Tensor2D;
      return tf.add(tf.matMul(x, tf.mul(this.kernel.read(), this.gain()) as tf.Tensor2D), tf.mul(this.bias.read(), this.lrMul));
    });
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    return [(Array.isArray(s[0]) ? s[0] : s)[0] as number, this.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, lrMul: this.lrMul };
  }
}

export interface StyleMixingArgs {
  name?: string;
  /** L: how many layers take a w. */
  numWs: number;
  /** Probability that a training sample mixes. */
  prob: number;
}

/** [w1 [B, W], w2 [B, W]] -> ws [B, L, W]. */
export class StyleMixing extends tf.layers.Layer {
  static readonly className = 'StyleMixing';
  readonly numWs: number;
  readonly prob: number;

  constructor(args: StyleMixingArgs) {
    super({ name: args.name });
    if (!(Number.isInteger(args.numWs) && args.numWs >= 1)) throw new Error(`style mixing: numWs ${args.numWs} must be a whole number >= 1`);
    if (!(args.prob >= 0 && args.prob <= 1)) throw new Error(`style mixing: prob ${args.prob} must be in [0, 1]`);
    this.numWs = args.numWs;
    this.prob = args.prob;
  }

  /** The crossover layer of each of b samples: numWs (no mixing) or uniform in 1..numWs-1, keyed by the shard. */
  crossovers(b: number, kwargs: Record<string, unknown>): number[] {
    const ctx = shardContext();
    if (!isTraining(kwargs) || !ctx || this.prob === 0 || this.numWs < 2) return new Array<number>(b).fill(this.numWs);
    const rng = ctx.random(this.name);
    return Array.from({ length: b }, () => (rng.uniform() < this.prob ? rng.int(1, this.numWs - 1) : this.numWs));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const [w1, w2] = inputs as tf.Tensor[];
      const [b, d] = w1.shape as [number, number];
      const cuts = this.crossovers(b, kwargs);
      const first = tf.broadcastTo(tf.reshape(w1, [b, 1, d]), [b, this.numWs, d]); // [B, L, W]
      if (cuts.every((c) => c === this.numWs)) return first;
      const mask = new Float32Array(b * this.numWs); // 1 where layer l of sample i takes w1
      cuts.forEach((c, i) => mask.fill(1, i * this.numWs, i * this.numWs + c));
      const m = tf.tensor3d(mask, [b, this.numWs, 1]);
      const second = tf.reshape(w2, [b, 1, d]);
      return tf.add(tf.mul(first, m), tf.mul(second, tf.sub(1, m)));
    });
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const w = (s as tf.Shape[])[0];
    return [w[0], this.numWs, w[1]];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numWs: this.numWs, prob: this.prob };
  }
}

export interface WAverageArgs {
  name?: string;
  /** EMA decay: w_avg <- mean + beta (w_avg - mean) after each G round. */
  beta: number;
}

/** [B, W] -> [B, W]: records the batch mean of w in training; applies truncation by `psi` (1: none). */
export class WAverage extends tf.layers.Layer implements StatefulLayer {
  static readonly className = 'WAverage';
  readonly beta: number;
  /** Truncation psi applied outside training; set by `ganymede sample --truncation`, never saved. */
  psi = 1;
  private wAvg!: tf.LayerVariable;

  constructor(args: WAverageArgs) {
    super({ name: args.name });
    if (!(args.beta >= 0 && args.beta < 1)) throw new Error(`w average: beta ${args.beta} must be in [0, 1)`);
    this.beta = args.beta;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    this.wAvg = this.addWeight('w_avg', [shape[1] as number], 'float32', tf.initializers.zeros(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const w = one(inputs);
      const ctx = shardContext();
      if (isTraining(kwargs)) {
        ctx?.record(this.wAvg, tf.mean(w, 0));
        return tf.clone(w);
      }
      if (this.psi === 1) return tf.clone(w);
      const avg = this.wAvg.read();
      return tf.add(avg, tf.mul(this.psi, tf.sub(w, avg)));
    });
  }

  mergeState(weight: string, old: Float32Array, batch: Float32Array): void {
    if (weight !== 'w_avg') throw new Error(`${this.name}: no state '${weight}'`);
    for (let i = 0; i < old.length; i++) old[i] = batch[i] + this.beta * (old[i] - batch[i]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), beta: this.beta };
  }
}

tf.serialization.registerClass(LatentNorm);
tf.serialization.registerClass(MappingDense);
tf.serialization.registerClass(MixingLatent);
tf.serialization.registerClass(StyleMixing);
tf.serialization.registerClass(WAverage);
