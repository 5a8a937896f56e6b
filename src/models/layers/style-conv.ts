// The synthesis side of the style-based generator (StyleGAN2, Karras et al. 2020, "Analyzing and Improving the
// Image Quality of StyleGAN", §2.2 and training/networks.py SynthesisLayer / ToRGBLayer):
//   StyleConst        the learned constant input [H, W, C], repeated over the batch;
//   ModulatedConv2D   per-sample style s = A w_l + b (b starts at 1), weights modulated w'_ijk = s_i w_ijk and,
//                     with `demodulate`, demodulated w''_ijk = w'_ijk / sqrt(sum_ik w'_ijk^2 + 1e-8) (eq. 1-3).
//                     Computed as the paper's non-fused form: conv(x * s, w) * d, with
//                     d_j = rsqrt(sum_i s_i^2 sum_k w_ijk^2 + 1e-8), since TF.js has no grouped convolution;
//   NoiseInjection    x + strength_c * n, n [B, H, W, 1] ~ N(0, 1): in training from the shard's keyed stream
//                     (seed, step, round, shard, layer, call), otherwise one fixed map per layer keyed by the run
//                     seed (StyleGAN2's noise_mode 'const'), so sampling is a function of z.
import * as tf from '@tensorflow/tfjs';
import { KeyedRandom } from '../../rng.js';
import { isTraining, shardContext } from './shard-context.js';

function one(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

export interface StyleConstArgs {
  name?: string;
  /** [H, W, C] of the constant. */
  shape: [number, number, number];
}

/** Any [B, ...] input (for its batch size) -> the learned constant [B, H, W, C]. */
export class StyleConst extends tf.layers.Layer {
  static readonly className = 'StyleConst';
  readonly shape: [number, number, number];
  private value!: tf.LayerVariable;

  constructor(args: StyleConstArgs) {
    super({ name: args.name });
    this.shape = [...args.shape];
  }

  override build(): void {
    this.value = this.addWeight('const', this.shape, 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const b = one(inputs).shape[0];
      return tf.tile(tf.reshape(this.value.read(), [1, ...this.shape]), [b, 1, 1, 1]); // [B, H, W, C]
    });
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    return [(Array.isArray(s[0]) ? s[0] : s)[0] as number, ...this.shape];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), shape: this.shape };
  }
}

export interface ModulatedConv2DArgs {
  name?: string;
  filters: number;
  kernelSize: number;
  /** Which w of ws [B, L, W] styles this layer. */
  styleIndex: number;
  /** Demodulate (synthesis convolutions) or not (toRGB). */
  demodulate: boolean;
}

/** [x [B, H, W, Cin], ws [B, L, W]] -> [B, H, W, filters], 'same' padding, stride 1, plus a bias. */
export class ModulatedConv2D extends tf.layers.Layer {
  static readonly className = 'ModulatedConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly styleIndex: number;
  readonly demodulate: boolean;
  private affine!: tf.LayerVariable;
  private affineBias!: tf.LayerVariable;
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(args: ModulatedConv2DArgs) {
    super({ name: args.name });
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.styleIndex = args.styleIndex;
    this.demodulate = args.demodulate;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [x, ws] = inputShape as tf.Shape[];
    const cin = x[3] as number;
    const wDim = ws[2] as number;
    const zeros = tf.initializers.zeros();
    this.affine = this.addWeight('style_kernel', [wDim, cin], 'float32', zeros);
    this.affineBias = this.addWeight('style_bias', [cin], 'float32', tf.initializers.ones());
    this.kernel = this.addWeight('kernel', [this.kernelSize, this.kernelSize, cin, this.filters], 'float32', zeros);
    this.bias = this.addWeight('bias', [this.filters], 'float32', zeros);
    this.built = true;
  }

  /** The styles s [B, Cin] of ws [B, L, W]: the affine map of w at this layer's index. */
  styles(ws: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const [b, , wDim] = ws.shape;
      const w = tf.reshape(tf.slice(ws, [0, this.styleIndex, 0], [b, 1, wDim]), [b, wDim]); // [B, W]
      return tf.add(tf.matMul(w, this.affine.read() as tf.Tensor2D), this.affineBias.read()); // [B, Cin]
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [x, ws] = inputs as tf.Tensor[];
      const [b, , , cin] = x.shape;
      const s = this.styles(ws); // [B, Cin]
      const kernel = this.kernel.read() as tf.Tensor4D; // [k, k, Cin, Cout]
      let y = tf.conv2d(tf.mul(x, tf.reshape(s, [b, 1, 1, cin])) as tf.Tensor4D, kernel, 1, 'same'); // [B, H, W, Cout]
      if (this.demodulate) {
        const energy = tf.sum(tf.square(kernel), [0, 1]); // [Cin, Cout]: sum_k w_ijk^2
        const d = tf.rsqrt(tf.add(tf.matMul(tf.square(s), energy), 1e-8)); // [B, Cout]
        y = tf.mul(y, tf.reshape(d, [b, 1, 1, this.filters]));
      }
      return tf.add(y, this.bias.read());
    });
  }

  override computeOutputShape(s: tf.Shape | tf.Shape[]): tf.Shape {
    const x = (s as tf.Shape[])[0];
    return [x[0], x[1], x[2], this.filters];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, styleIndex: this.styleIndex, demodulate: this.demodulate };
  }
}

export interface NoiseInjectionArgs {
  name?: string;
  /** The run seed: keys the fixed noise maps used outside training. */
  seed: number;
}

/** [B, H, W, C] -> x + strength [C] * noise [B, H, W, 1]; `noise_strength` starts at 0 (StyleGAN2). */
export class NoiseInjection extends tf.layers.Layer {
  static readonly className = 'NoiseInjection';
  readonly seed: number;
  private strength!: tf.LayerVariable;

  constructor(args: NoiseInjectionArgs) {
    super({ name: args.name });
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    this.strength = this.addWeight('noise_strength', [shape[3] as number], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  /** The noise [B, H, W, 1] for x: keyed by the shard in training, the layer's fixed map otherwise. */
  noise(x: tf.Tensor, kwargs: Record<string, unknown> = {}): tf.Tensor4D {
    const [b, h, w] = x.shape;
    const ctx = shardContext();
    if (isTraining(kwargs) && ctx) return tf.tensor4d(ctx.random(this.name).normal(b * h * w), [b, h, w, 1]);
    const fixed = new KeyedRandom(this.seed, 'noise-const', this.name).normal(h * w);
    return tf.tile(tf.tensor4d(fixed, [1, h, w, 1]), [b, 1, 1, 1]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = one(inputs);
      return tf.add(x, tf.mul(this.noise(x, kwargs), this.strength.read()));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}

tf.serialization.registerClass(StyleConst);
tf.serialization.registerClass(ModulatedConv2D);
tf.serialization.registerClass(NoiseInjection);
