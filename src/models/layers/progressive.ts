// The layers of ProGAN (Karras et al. 2018, "Progressive Growing of GANs for Improved Quality, Stability, and
// Variation"): equalized learning rate (§4.1), pixelwise feature normalization (§4.2), minibatch standard
// deviation (§3), the alpha blend of old and new paths while a resolution fades in (§3, Figure 2), and
// nearest upsampling / average pooling by any integer factor (written as reshape + tile / mean, as resample.ts).
import * as tf from '@tensorflow/tfjs';

type Inputs = tf.Tensor | tf.Tensor[];
const one = (inputs: Inputs): tf.Tensor => (Array.isArray(inputs) ? inputs[0] : inputs);
const shapeOf = (s: tf.Shape | tf.Shape[]): tf.Shape => (Array.isArray(s[0]) ? s[0] : s) as tf.Shape;

/** He's constant gain / sqrt(fan_in): the runtime scale of an equalized-LR weight of `shape` (kernel last axis out). */
export function heScale(shape: readonly number[], gain: number): number {
  return gain / Math.sqrt(shape.slice(0, -1).reduce((a, b) => a * b, 1));
}

export interface EqArgs { name?: string; units: number; gain?: number; kernelSize?: number }

/**
 * Equalized learning rate: weights are stored as N(0, 1) draws and scaled at run time by gain / sqrt(fan_in)
 * (He's constant), so Adam's per-weight step sizes are the same for every layer (§4.1). `kernelSize` given:
 * a 'same' stride-1 conv2d with `units` filters; absent: a dense layer.
 */
export class EqualizedLayer extends tf.layers.Layer {
  static readonly className = 'EqualizedLayer';
  readonly cfg: Required<Omit<EqArgs, 'name' | 'kernelSize'>> & { kernelSize: number };
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(args: EqArgs) {
    super({ name: args.name });
    this.cfg = { units: args.units, gain: args.gain ?? Math.SQRT2, kernelSize: args.kernelSize ?? 0 };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = shapeOf(inputShape);
    const cin = shape[shape.length - 1] as number;
    const k = this.cfg.kernelSize;
    const kernelShape = k > 0 ? [k, k, cin, this.cfg.units] : [cin, this.cfg.units];
    this.kernel = this.addWeight('kernel', kernelShape, 'float32', tf.initializers.zeros());
    this.bias = this.addWeight('bias', [this.cfg.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: Inputs): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      const w = tf.mul(this.kernel.read(), heScale(this.kernel.shape as number[], this.cfg.gain));
      const y = this.cfg.kernelSize > 0 ? tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') : tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D);
      return tf.add(y, this.bias.read());
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [...shapeOf(inputShape).slice(0, -1), this.cfg.units];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg };
  }
}

/** Pixelwise feature normalization: each pixel's feature vector divided by its RMS, b = x / sqrt(mean_c x^2 + 1e-8). */
export class PixelNorm extends tf.layers.Layer {
  static readonly className = 'PixelNorm';

  override call(inputs: Inputs): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      // sqrt then div rather than rsqrt: rsqrt's gradient goes through Pow, wrong under second-order gradients.
      return tf.div(x, tf.sqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-8)));
    });
  }
}

/**
 * Minibatch standard deviation: the standard deviation of every feature over the batch, averaged to one value
 * and appended as a constant feature map. The batch is the micro-shard the layer runs on, so the statistic is
 * per micro-shard (DESIGN.md §3) and does not depend on the worker count.
 */
export class MinibatchStddev extends tf.layers.Layer {
  static readonly className = 'MinibatchStddev';

  override call(inputs: Inputs): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs) as tf.Tensor4D; // [b, H, W, C]
      const [b, h, w] = x.shape;
      const centred = tf.sub(x, tf.mean(x, 0, true));
      const std = tf.sqrt(tf.add(tf.mean(tf.square(centred), 0), 1e-8)); // [H, W, C]
      const s = tf.mean(std); // scalar
      return tf.concat([x, tf.mul(tf.ones([b, h, w, 1]), s)], 3); // [b, H, W, C+1]
    });
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, h, w, c] = shapeOf(s);
    return [b, h, w, (c as number) + 1];
  }
}

/**
 * The fade-in blend old + alpha * (new - old) of two paths of equal shape. alpha is set between steps from
 * the stage schedule (src/train/stages.ts) with `setFadeAlpha`; it is saved in model.json so a checkpoint
 * loads with the blend it was taken at. At alpha 0 the output is exactly the old path.
 */
export class FadeIn extends tf.layers.Layer {
  static readonly className = 'FadeIn';
  alpha: number;

  constructor(args: { name?: string; alpha?: number }) {
    super({ name: args.name });
    this.alpha = args.alpha ?? 1;
  }

  override call(inputs: Inputs): tf.Tensor {
    return tf.tidy(() => {
      const [old, fresh] = inputs as tf.Tensor[];
      return tf.add(old, tf.mul(tf.sub(fresh, old), this.alpha));
    });
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    return shapeOf(s);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

/** Sets alpha on every FadeIn layer of `model` (none when the network is not fading). */
export function setFadeAlpha(model: tf.LayersModel, alpha: number): void {
  for (const layer of model.layers) if (layer instanceof FadeIn) layer.alpha = alpha;
}

/** A layer that rescales [B, H, W, C] images by an integer factor; serialised with it. */
abstract class ByFactor extends tf.layers.Layer {
  readonly factor: number;

  constructor(args: { name?: string; factor: number }) {
    super({ name: args.name });
    this.factor = args.factor;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), factor: this.factor };
  }
}

/** [B, H, W, C] -> [B, fH, fW, C], each pixel repeated f x f (nearest neighbour). */
export class UpsampleBy extends ByFactor {
  static readonly className = 'UpsampleBy';

  override call(inputs: Inputs): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs) as tf.Tensor4D;
      const [b, h, w, c] = x.shape;
      const f = this.factor;
      if (f === 1) return tf.clone(x);
      // Rows, then columns: the Tile gradient exists only up to rank 4.
      const rows = tf.tile(tf.reshape(x, [b * h, 1, w, c]), [1, f, 1, 1]); // [B*H, f, W, C]
      const cols = tf.tile(tf.reshape(rows, [b * f * h * w, 1, c]), [1, f, 1]); // [B*fH*W, f, C]
      return tf.reshape(cols, [b, f * h, f * w, c]);
    });
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, h, w, c] = shapeOf(s);
    return [b, this.factor * (h as number), this.factor * (w as number), c];
  }
}

/** [B, H, W, C] -> [B, H/f, W/f, C], one value per f x f block: reshape to [B, H/f, f, W/f, f, C], then reduce. */
abstract class PoolBy extends ByFactor {
  protected abstract reduce(blocks: tf.Tensor, axes: number[]): tf.Tensor;

  override call(inputs: Inputs): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs) as tf.Tensor4D;
      const [b, h, w, c] = x.shape;
      const f = this.factor;
      return f === 1 ? tf.clone(x) : this.reduce(tf.reshape(x, [b, h / f, f, w / f, f, c]), [2, 4]);
    });
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, h, w, c] = shapeOf(s);
    return [b, (h as number) / this.factor, (w as number) / this.factor, c];
  }
}

/** The mean of each f x f block (average pooling). */
export class AvgPoolBy extends PoolBy {
  static readonly className = 'AvgPoolBy';
  protected reduce(blocks: tf.Tensor, axes: number[]): tf.Tensor {
    return tf.mean(blocks, axes);
  }
}

/**
 * The largest value of each f x f block (max pooling). Written as reshape + max because the wasm MaxPoolGrad kernel
 * is wrong for some shapes (TFJS-NOTES.md); Max's gradient goes to every maximal entry of a block.
 */
export class MaxPoolBy extends PoolBy {
  static readonly className = 'MaxPoolBy';
  protected reduce(blocks: tf.Tensor, axes: number[]): tf.Tensor {
    return tf.max(blocks, axes);
  }
}

for (const cls of [EqualizedLayer, PixelNorm, MinibatchStddev, FadeIn, UpsampleBy, AvgPoolBy, MaxPoolBy]) tf.serialization.registerClass(cls);
