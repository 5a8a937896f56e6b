// Initial weights of the convolutional families, keyed by (seed, 'init', network, weight name) like the seeds'
// (src/models/init.ts), by one of two rules:
//   'dcgan'   Radford et al. 2016 §4: kernels N(0, 0.02), BatchNorm gamma N(1, 0.02), biases 0;
//   'pytorch' PyTorch's defaults (kaiming_uniform with a = sqrt(5)): kernel and bias U(-1/sqrt(fan_in), ..).
// State starts as PyTorch's does: running mean 0, running variance 1, spectral norm's u a normalised normal.
import type * as tf from '@tensorflow/tfjs';
import { KeyedRandom } from '../../rng.js';
import type { NamedWeights } from '../family.js';
import { initialU } from './spectral-norm.js';

export type InitRule = 'dcgan' | 'pytorch';

function fanIn(shape: readonly number[]): number {
  return shape.slice(0, -1).reduce((a, b) => a * b, 1);
}

function fill(n: number, f: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f();
  return out;
}

/** The value of one weight, from its local name (the part after the layer name) and the rule. */
function valueOf(local: string, shape: number[], kernelShape: number[] | undefined, rule: InitRule, rng: KeyedRandom, where: string): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const uniform = (bound: number) => fill(n, () => (2 * rng.uniform() - 1) * bound);
  switch (local) {
    case 'kernel':
    case 'query_kernel':
    case 'key_kernel':
    case 'value_kernel':
    case 'out_kernel':
      return rule === 'dcgan' ? rng.normal(n).map((x) => 0.02 * x) : uniform(1 / Math.sqrt(fanIn(shape)));
    case 'bias':
      return rule === 'dcgan' || !kernelShape ? new Float32Array(n) : uniform(1 / Math.sqrt(fanIn(kernelShape)));
    case 'gamma':
    case 'class_gamma': // conditional BN's per-class scales, as BatchNorm's
      return rule === 'dcgan' ? rng.normal(n).map((x) => 1 + 0.02 * x) : new Float32Array(n).fill(1);
    case 'beta':
    case 'moving_mean':
    case 'attn_gamma': // SAGAN's learned residual weight starts at 0 (Zhang et al. 2019 §4)
      return new Float32Array(n);
    case 'moving_variance':
      return new Float32Array(n).fill(1);
    case 'sn_u':
      return initialU(n, rng);
    case 'embeddings': // nn.Embedding's default N(0, 1)
      return rng.normal(n);
    case 'class_beta':
      return new Float32Array(n);
    default:
      throw new Error(`initial weights: no rule for ${where}`);
  }
}

/** Initial weights of every weight of `model` (trainable and state), in `model.weights` order. */
export function initialWeightsBy(rule: InitRule) {
  return (model: tf.LayersModel, net: string, seed: number): NamedWeights => {
    const names: string[] = [];
    const shapes: number[][] = [];
    const values: Float32Array[] = [];
    for (const w of model.weights) {
      const shape = w.shape as number[];
      const layer = model.layers.find((l) => l.weights.includes(w));
      const kernel = layer?.weights.find((x) => x.originalName.endsWith('/kernel'));
      const local = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const rng = new KeyedRandom(seed, 'init', net, w.originalName);
      names.push(w.originalName);
      shapes.push(shape);
      values.push(valueOf(local, shape, kernel?.shape as number[] | undefined, rule, rng, `${net}/${w.originalName}`));
    }
    return { names, shapes, values };
  };
}
