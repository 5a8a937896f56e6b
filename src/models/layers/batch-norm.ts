// Batch normalization (Ioffe & Szegedy 2015) with the statistics of each micro-shard (DESIGN.md §3), so a
// result never depends on how many workers share a batch. Training normalises with the shard's biased batch
// variance, as torch.nn.BatchNorm2d does; the running mean and unbiased variance (momentum 0.1, PyTorch's
// convention) are merged by the coordinator from the shard-averaged batch statistics and live in the
// checkpoint as the layer's non-trainable weights `moving_mean` and `moving_variance`.
import * as tf from '@tensorflow/tfjs';
import { isTraining, shardContext, type StatefulLayer } from './shard-context.js';

export interface ShardBatchNormArgs {
  name?: string;
  /** PyTorch's momentum: running = (1 - momentum) running + momentum batch. */
  momentum?: number;
  epsilon?: number;
}

/** Normalises over every axis but the last (channels): [B, C] or [B, H, W, C]. */
export class ShardBatchNorm extends tf.layers.Layer implements StatefulLayer {
  static readonly className = 'ShardBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private movingMean!: tf.LayerVariable;
  private movingVariance!: tf.LayerVariable;

  constructor(args: ShardBatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-5;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const c = shape[shape.length - 1] as number;
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      return normalise(x, shardStats(x, kwargs, this.movingMean, this.movingVariance), this.gamma.read(), this.beta.read(), this.epsilon);
    });
  }

  mergeState(weight: string, old: Float32Array, batch: Float32Array): void {
    mergeMoving(this.name, this.momentum, weight, old, batch);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}

/**
 * Batch statistics over every axis but the channels in training (recorded in the shard's context for the running
 * averages: the mean and PyTorch's unbiased variance), the running ones otherwise. Shared by the BN layers.
 */
export function shardStats(x: tf.Tensor, kwargs: Record<string, unknown>, movingMean: tf.LayerVariable, movingVariance: tf.LayerVariable): { mean: tf.Tensor; variance: tf.Tensor } {
  if (!isTraining(kwargs)) return { mean: movingMean.read(), variance: movingVariance.read() };
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes); // [C] each, biased variance
  const ctx = shardContext();
  if (ctx) {
    const n = x.size / (x.shape[x.shape.length - 1] as number);
    ctx.record(movingMean, mean);
    ctx.record(movingVariance, tf.mul(variance, n / Math.max(1, n - 1))); // unbiased, as PyTorch keeps
  }
  return { mean, variance };
}

/** running = (1 - momentum) running + momentum batch, for the moving_mean / moving_variance states. */
export function mergeMoving(layer: string, momentum: number, weight: string, old: Float32Array, batch: Float32Array): void {
  if (weight !== 'moving_mean' && weight !== 'moving_variance') throw new Error(`${layer}: no state '${weight}'`);
  for (let i = 0; i < old.length; i++) old[i] = (1 - momentum) * old[i] + momentum * batch[i];
}

/** (x - mean) / sqrt(var + eps) * gamma + beta, written out so every part has a plain gradient. */
export function normalise(x: tf.Tensor, s: { mean: tf.Tensor; variance: tf.Tensor }, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const xhat = tf.mul(tf.sub(x, s.mean), tf.rsqrt(tf.add(s.variance, eps)));
  return tf.add(tf.mul(xhat, gamma), beta);
}

tf.serialization.registerClass(ShardBatchNorm);
