// Spectral normalization (Miyato et al. 2018, "Spectral Normalization for GANs", Algorithm 1): the kernel is
// divided by its largest singular value sigma, estimated by power iteration with a persistent vector u, as
// torch.nn.utils.spectral_norm does. The kernel is viewed as a matrix W [fan_in, units]; u has `units`
// entries and is the layer's non-trainable weight `sn_u`, so it travels with the weights and lives in the
// checkpoint. In training each call runs `powerIterations` steps from the stored u (u and v are constants
// to the gradient, as in the paper) and records the new u; the coordinator keeps it (normalised), so every
// worker starts the next round from the same u. Inference uses the stored u without updating it.
import * as tf from '@tensorflow/tfjs';
import type { KeyedRandom } from '../../rng.js';
import { isTraining, shardContext, type StatefulLayer } from './shard-context.js';

const EPS = 1e-12; // torch.nn.functional.normalize's eps

/** Gradient stop: the identity forward, zero gradient backward (TF.js has no stop_gradient op). */
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({ value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as never) as (
  x: tf.Tensor,
) => tf.Tensor;

function l2normalise(x: tf.Tensor): tf.Tensor {
  return tf.div(x, tf.add(tf.norm(x), EPS));
}

/**
 * W / sigma(W) for a kernel whose last axis is the output units. `u` is the stored vector [units];
 * when training, runs `iterations` power steps and records the new u in the shard context.
 */
export function spectralNormalise(kernel: tf.Tensor, u: tf.LayerVariable, iterations: number, training: boolean): tf.Tensor {
  const units = kernel.shape[kernel.shape.length - 1] as number;
  const W = tf.reshape(kernel, [-1, units]); // [fan_in, units]
  const Wc = stopGradient(W);
  let uu: tf.Tensor = tf.reshape(u.read(), [units, 1]); // [units, 1]
  let v = l2normalise(tf.matMul(Wc, uu)); // [fan_in, 1]
  if (training) {
    for (let k = 0; k < iterations; k++) {
      uu = l2normalise(tf.matMul(Wc, v, true, false)); // [units, 1]
      v = l2normalise(tf.matMul(Wc, uu));
    }
    shardContext()?.record(u, tf.reshape(uu, [units]));
  }
  const sigma = tf.sum(tf.mul(v, tf.matMul(W, uu))); // v^T W u: the gradient flows through W only
  return tf.div(kernel, sigma);
}

/** The coordinator's merge of u: the shard mean, normalised to unit length (float64 norm). */
function mergeU(old: Float32Array, batch: Float32Array): void {
  let s = 0;
  for (const x of batch) s += x * x;
  const inv = 1 / (Math.sqrt(s) + EPS);
  for (let i = 0; i < old.length; i++) old[i] = batch[i] * inv;
}

/** u's initial value: a standard normal draw, normalised (as PyTorch's spectral_norm). */
export function initialU(n: number, rng: KeyedRandom): Float32Array {
  const u = rng.normal(n);
  mergeU(u, Float32Array.from(u));
  return u;
}

export interface SNConv2DArgs {
  name?: string;
  filters: number;
  kernelSize: number;
  strides?: number;
  padding?: 'same' | 'valid';
  useBias?: boolean;
  powerIterations?: number;
}

/** A 2-D convolution (NHWC, kernel [k, k, Cin, filters]) with a spectrally normalised kernel. */
export class SNConv2D extends tf.layers.Layer implements StatefulLayer {
  static readonly className = 'SNConv2D';
  readonly cfg: Required<Omit<SNConv2DArgs, 'name'>>;
  private kernel!: tf.LayerVariable;
  private bias?: tf.LayerVariable;
  private u!: tf.LayerVariable;

  constructor(args: SNConv2DArgs) {
    super({ name: args.name });
    this.cfg = {
      filters: args.filters, kernelSize: args.kernelSize, strides: args.strides ?? 1, padding: args.padding ?? 'same',
      useBias: args.useBias ?? true, powerIterations: args.powerIterations ?? 1,
    };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const { kernelSize: k, filters } = this.cfg;
    this.kernel = this.addWeight('kernel', [k, k, shape[3] as number, filters], 'float32', tf.initializers.zeros());
    if (this.cfg.useBias) this.bias = this.addWeight('bias', [filters], 'float32', tf.initializers.zeros());
    this.u = this.addWeight('sn_u', [filters], 'float32', tf.initializers.zeros(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const w = spectralNormalise(this.kernel.read(), this.u, this.cfg.powerIterations, isTraining(kwargs)) as tf.Tensor4D;
      const y = tf.conv2d(x, w, this.cfg.strides, this.cfg.padding);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, h, w] = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const { strides: s, kernelSize: k, padding, filters } = this.cfg;
    const out = (n: number) => (padding === 'same' ? Math.ceil(n / s) : Math.ceil((n - k + 1) / s));
    return [b, out(h as number), out(w as number), filters];
  }

  mergeState(weight: string, old: Float32Array, batch: Float32Array): void {
    if (weight !== 'sn_u') throw new Error(`${this.name}: no state '${weight}'`);
    mergeU(old, batch);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg };
  }
}

export interface SNDenseArgs {
  name?: string;
  units: number;
  useBias?: boolean;
  powerIterations?: number;
}

/** A dense layer (kernel [in, units]) with a spectrally normalised kernel. */
export class SNDense extends tf.layers.Layer implements StatefulLayer {
  static readonly className = 'SNDense';
  readonly cfg: Required<Omit<SNDenseArgs, 'name'>>;
  private kernel!: tf.LayerVariable;
  private bias?: tf.LayerVariable;
  private u!: tf.LayerVariable;

  constructor(args: SNDenseArgs) {
    super({ name: args.name });
    this.cfg = { units: args.units, useBias: args.useBias ?? true, powerIterations: args.powerIterations ?? 1 };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    this.kernel = this.addWeight('kernel', [shape[shape.length - 1] as number, this.cfg.units], 'float32', tf.initializers.zeros());
    if (this.cfg.useBias) this.bias = this.addWeight('bias', [this.cfg.units], 'float32', tf.initializers.zeros());
    this.u = this.addWeight('sn_u', [this.cfg.units], 'float32', tf.initializers.zeros(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const w = spectralNormalise(this.kernel.read(), this.u, this.cfg.powerIterations, isTraining(kwargs));
      const y = tf.matMul(x, w);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.cfg.units];
  }

  mergeState(weight: string, old: Float32Array, batch: Float32Array): void {
    if (weight !== 'sn_u') throw new Error(`${this.name}: no state '${weight}'`);
    mergeU(old, batch);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg };
  }
}

tf.serialization.registerClass(SNConv2D);
tf.serialization.registerClass(SNDense);
