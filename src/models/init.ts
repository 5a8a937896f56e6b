// Deterministic initial weights, keyed by (seed, 'init', network, weight name), never by TF.js's global RNG.
import type * as tf from '@tensorflow/tfjs';
import { KeyedRandom } from '../rng.js';
import type { NamedWeights } from './family.js';

/**
 * PyTorch's default nn.Linear init (kaiming_uniform with a = sqrt(5)): kernel and bias both
 * U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the seed GAN and VAE were tuned with it.
 */
export function initialWeights(model: tf.LayersModel, net: string, seed: number): NamedWeights {
  const names: string[] = [];
  const shapes: number[][] = [];
  const values: Float32Array[] = [];
  let fanIn = 1;
  for (const w of model.weights) {
    const shape = w.shape as number[];
    const size = shape.reduce((a, b) => a * b, 1);
    if (w.originalName.endsWith('/kernel')) fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(fanIn);
    const rng = new KeyedRandom(seed, 'init', net, w.originalName);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = (2 * rng.uniform() - 1) * bound;
    names.push(w.originalName);
    shapes.push(shape);
    values.push(data);
  }
  return { names, shapes, values };
}

/** Reads a model's current weights (copies). */
export function readWeights(model: tf.LayersModel): NamedWeights {
  return {
    names: model.weights.map((w) => w.originalName),
    shapes: model.weights.map((w) => w.shape as number[]),
    values: model.weights.map((w) => w.read().dataSync() as Float32Array).map((a) => new Float32Array(a)),
  };
}
