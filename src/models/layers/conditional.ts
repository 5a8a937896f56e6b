// Class-conditional layers. Labels enter as one-hot [B, K] tensors and every lookup is a matMul with them,
// because the gradient of gather (UnsortedSegmentSum) is missing on wasm (TFJS-NOTES.md).
//   ConditionalBatchNorm (de Vries et al. 2017; Miyato & Koyama 2018): per-micro-shard BatchNorm without its
//     own affine, then per-class gamma[y] and beta[y]; running statistics as ShardBatchNorm's.
//   Projection (Miyato & Koyama 2018, "cGANs with Projection Discriminator", eq. 3): <embed(y), phi(x)>.
import * as tf from '@tensorflow/tfjs';
import { mergeMoving, normalise, shardStats } from './batch-norm.js';
import type { StatefulLayer } from './shard-context.js';

function shapes(s: tf.Shape | tf.Shape[]): tf.Shape[] {
  if (!Array.isArray(s[0])) throw new Error('a conditional layer takes [features, one-hot labels]');
  return s as tf.Shape[];
}

export interface ConditionalBatchNormArgs {
  name?: string;
  momentum?: number;
  epsilon?: number;
}

/** [x [B, ..., C], y one-hot [B, K]] -> x normalised with the shard's statistics, scaled and shifted per class. */
export class ConditionalBatchNorm extends tf.layers.Layer implements StatefulLayer {
  static readonly className = 'ConditionalBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private movingMean!: tf.LayerVariable;
  private movingVariance!: tf.LayerVariable;

  constructor(args: ConditionalBatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.1;
    this.epsilon = args.epsilon ?? 1e-5;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [x, y] = shapes(inputShape);
    const c = x[x.length - 1] as number;
    const k = y[1] as number;
    this.gamma = this.addWeight('class_gamma', [k, c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('class_beta', [k, c], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const [x, y] = inputs as tf.Tensor[];
      const c = x.shape[x.shape.length - 1] as number;
      const perSample = [x.shape[0], ...x.shape.slice(1, -1).map(() => 1), c]; // [B, 1, 1, C] or [B, C]
      const gamma = tf.reshape(tf.matMul(y, this.gamma.read()), perSample);
      const beta = tf.reshape(tf.matMul(y, this.beta.read()), perSample);
      return normalise(x, shardStats(x, kwargs, this.movingMean, this.movingVariance), gamma, beta, this.epsilon);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return shapes(inputShape)[0];
  }

  mergeState(weight: string, old: Float32Array, batch: Float32Array): void {
    mergeMoving(this.name, this.momentum, weight, old, batch);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}

/** [phi [B, F], y one-hot [B, K]] -> [B, 1]: the projection term sum_f embed[y, f] phi[b, f]. */
export class Projection extends tf.layers.Layer {
  static readonly className = 'Projection';
  private embed!: tf.LayerVariable;

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [phi, y] = shapes(inputShape);
    this.embed = this.addWeight('embeddings', [y[1] as number, phi[1] as number], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [phi, y] = inputs as tf.Tensor[];
      return tf.sum(tf.mul(phi, tf.matMul(y, this.embed.read())), 1, true);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [shapes(inputShape)[0][0], 1];
  }
}

tf.serialization.registerClass(ConditionalBatchNorm);
tf.serialization.registerClass(Projection);
