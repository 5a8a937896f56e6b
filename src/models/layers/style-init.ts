// Initial weights of the style-based generator, keyed by (seed, 'init', network, weight name) like every
// family's. StyleGAN2's init without equalized learning rate (its weights are N(0, 1) scaled at run time by
// 1/sqrt(fan_in); here the scale is folded into the stored value):
//   mapping kernels stored as N(0, 1/lrMul^2) and used times lrMul sqrt(2/fan_in) (He: keeps w's scale through
//   the leaky ReLUs), biases 0;
//   style affine kernels N(0, 1/wDim) and biases 1 (bias_init=1: styles start near 1);
//   convolution kernels N(0, 1/fan_in) (demodulation makes their scale irrelevant except in toRGB), biases 0;
//   the constant N(0, 1); noise strengths 0; the EMA of w starts at 0.
import type * as tf from '@tensorflow/tfjs';
import { KeyedRandom } from '../../rng.js';
import type { NamedWeights } from '../family.js';

function valueOf(local: string, shape: number[], rng: KeyedRandom, where: string, lrMul: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const scaled = (std: number) => rng.normal(n).map((v) => std * v);
  switch (local) {
    case 'kernel':
      return scaled(1 / Math.sqrt(fanIn));
    case 'mapping_kernel': // used as k lrMul sqrt(2 / fan_in) (MappingDense): N(0, 2 / fan_in) at the start
      return scaled(1 / lrMul);
    case 'style_kernel':
      return scaled(1 / Math.sqrt(shape[0]));
    case 'style_bias':
      return new Float32Array(n).fill(1);
    case 'const':
      return rng.normal(n);
    case 'bias':
    case 'noise_strength':
    case 'w_avg':
      return new Float32Array(n);
    default:
      throw new Error(`initial weights: no rule for ${where}`);
  }
}

/** Initial weights of every weight of the style-based G (trainable and state), in `model.weights` order. */
export function styleGeneratorWeights(model: tf.LayersModel, net: string, seed: number, lrMul: number): NamedWeights {
  const names = model.weights.map((w) => w.originalName);
  const shapes = model.weights.map((w) => w.shape as number[]);
  const values = names.map((name, i) => {
    const local = name.slice(name.lastIndexOf('/') + 1);
    return valueOf(local, shapes[i], new KeyedRandom(seed, 'init', net, name), `${net}/${name}`, lrMul);
  });
  return { names, shapes, values };
}
