// Trains the feature classifier (src/metrics/classifier.ts) on a dataset's training split with Adam under a cosine
// learning-rate decay, dropout on the feature layer, and random augmentation (integer translations of up to `shift`
// pixels and rotations of up to `rotate` degrees), every draw keyed through src/rng.ts, so the same seed gives the
// same weights. One process, no coordinator: the classifier is a measuring instrument trained once and shipped.
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/index.js';
import { initialWeights } from '../models/index.js';
import { KeyedRandom } from '../rng.js';
import { FEATURE_LAYER, accuracy, buildClassifier, embed } from './classifier.js';
import type { ClassifierRecipe } from './classifier-store.js';

/** The recipe (rotate defaults to 10, dropout to 0.5), and a progress callback. */
export interface ClassifierTrainOptions extends ClassifierRecipe {
  /** Called after each epoch. */
  onEpoch?: (e: { epoch: number; loss: number; testAccuracy?: number; seconds: number }) => void;
}

export const defaultClassifierTrainOptions = (): Required<Omit<ClassifierTrainOptions, 'onEpoch'>> =>
  ({ epochs: 30, batchSize: 64, lr: 1e-3, shift: 2, rotate: 10, dropout: 0.5, pool: 'avg', channels: [32, 64], elastic: 0, seed: 0 });

/** The smoothing of the elastic distortion, pixels (Simard et al. 2003's value for MNIST). */
export const ELASTIC_SIGMA = 4;

/**
 * Writes image `src` rotated by `angle` radians about its centre, then translated by (dy, dx) pixels, into `dst`,
 * sampling bilinearly with 0 (the background of MNIST-family data) outside. With angle 0 it is an exact integer shift.
 * Hand-written: a per-image affine warp of a 28x28 image is a dozen lines; tf.image.transform has no wasm kernel.
 */
export function warpInto(src: Uint8Array, dst: Float32Array, h: number, w: number, c: number, angle: number, dy: number, dx: number, field?: DisplacementField): void {
  const [cy, cx] = [(h - 1) / 2, (w - 1) / 2];
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  const at = (y: number, x: number, k: number) => (y >= 0 && y < h && x >= 0 && x < w ? src[(y * w + x) * c + k] : 0);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Inverse map: output (y, x) reads the source at R^-1 ((y, x) - centre - shift) + centre.
      const [ry, rx] = [y - cy - dy, x - cx - dx];
      // An elastic field moves each output pixel's source point further, by (field.dy, field.dx) at that pixel.
      const sy = cos * ry - sin * rx + cy + (field ? field.dy[y * w + x] : 0);
      const sx = sin * ry + cos * rx + cx + (field ? field.dx[y * w + x] : 0);
      const [y0, x0] = [Math.floor(sy), Math.floor(sx)];
      const [fy, fx] = [sy - y0, sx - x0];
      for (let k = 0; k < c; k++) {
        const v = (1 - fy) * ((1 - fx) * at(y0, x0, k) + fx * at(y0, x0 + 1, k)) + fy * ((1 - fx) * at(y0 + 1, x0, k) + fx * at(y0 + 1, x0 + 1, k));
        dst[(y * w + x) * c + k] = v / 255;
      }
    }
  }
}

/** Per-pixel offsets, in pixels, of where an output pixel samples its source (row-major h x w). */
export interface DisplacementField { dy: Float32Array; dx: Float32Array }

/**
 * Simard et al. 2003's elastic distortion: each offset component drawn uniform in (-1, 1) per pixel, smoothed by a
 * Gaussian of `sigma` pixels (zero outside the image), then scaled by `alpha` (their MNIST setting: alpha 34,
 * sigma 4). Hand-written: a separable blur of two 28x28 fields is a few lines, and a tensor op per image would cost
 * more than it saves.
 */
export function elasticField(rng: KeyedRandom, h: number, w: number, alpha: number, sigma: number): DisplacementField {
  const r = Math.ceil(3 * sigma);
  const kernel = Float32Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const norm = kernel.reduce((a, b) => a + b, 0);
  const smooth = (noise: Float32Array): Float32Array => {
    const rows = new Float32Array(h * w);
    const out = new Float32Array(h * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let k = -r; k <= r; k++) if (x + k >= 0 && x + k < w) acc += kernel[k + r] * noise[y * w + x + k];
        rows[y * w + x] = acc / norm;
      }
    }
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let k = -r; k <= r; k++) if (y + k >= 0 && y + k < h) acc += kernel[k + r] * rows[(y + k) * w + x];
        out[y * w + x] = (alpha * acc) / norm;
      }
    }
    return out;
  };
  const noise = () => Float32Array.from({ length: h * w }, () => 2 * rng.uniform() - 1);
  return { dy: smooth(noise()), dx: smooth(noise()) };
}

/** One batch of (augmented) images and one-hot labels. */
function batchOf(data: Dataset, order: Uint32Array, from: number, n: number, rng: KeyedRandom, shift: number, rotate: number, elastic: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const per = data.height * data.width * data.channels;
  const pixels = new Float32Array(n * per);
  const labels = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const i = order[from + j];
    const [dy, dx] = [rng.int(-shift, shift), rng.int(-shift, shift)];
    const angle = ((2 * rng.uniform() - 1) * rotate * Math.PI) / 180;
    const field = elastic > 0 ? elasticField(rng, data.height, data.width, elastic, ELASTIC_SIGMA) : undefined;
    warpInto(data.pixels(i), pixels.subarray(j * per, (j + 1) * per), data.height, data.width, data.channels, angle, dy, dx, field);
    labels[j] = data.label(i);
  }
  return {
    x: tf.tensor4d(pixels, [n, data.height, data.width, data.channels]),
    y: tf.oneHot(tf.tensor1d(labels, 'int32'), data.classes) as tf.Tensor2D,
  };
}

/** The training forward pass: the model's layers in order, with an inverted-dropout mask (keyed) after the features. */
function trainLogits(model: tf.LayersModel, x: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor {
  let h = x;
  for (const layer of model.layers) {
    h = layer.apply(h) as tf.Tensor;
    if (layer.name === FEATURE_LAYER && mask) h = tf.mul(h, mask);
  }
  return h;
}

/**
 * Trains a classifier from keyed initial weights (PyTorch's default init) and returns it: Adam, learning rate `lr`
 * decayed along a half cosine to 0 over every step. With `test`, reports test accuracy after every epoch.
 */
export async function trainClassifier(train: Dataset, test: Dataset | undefined, options: ClassifierTrainOptions): Promise<tf.LayersModel> {
  const image = { height: train.height, width: train.width, channels: train.channels };
  const rotate = options.rotate ?? defaultClassifierTrainOptions().rotate;
  const dropout = options.dropout ?? defaultClassifierTrainOptions().dropout;
  const elastic = options.elastic ?? defaultClassifierTrainOptions().elastic;
  const model = buildClassifier(image, train.classes, { pool: options.pool, channels: options.channels });
  const init = initialWeights(model, 'classifier', options.seed);
  tf.tidy(() => model.setWeights(init.values.map((v, i) => tf.tensor(v, init.shapes[i]))));
  const optimizer = tf.train.adam(options.lr);
  const perEpoch = Math.floor(train.count / options.batchSize);
  const total = perEpoch * options.epochs;
  const featureDim = model.getLayer(FEATURE_LAYER).outputShape[1] as number;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const t0 = performance.now();
    const order = new KeyedRandom(options.seed, 'classifier', 'order', epoch).permutation(train.count);
    const rng = new KeyedRandom(options.seed, 'classifier', 'shift', epoch);
    const drop = new KeyedRandom(options.seed, 'classifier', 'dropout', epoch);
    let lossSum = 0;
    let seen = 0;
    for (let b = 0; b < perEpoch; b++) {
      // tfjs reads the rate at every update; it has no public setter.
      (optimizer as unknown as { learningRate: number }).learningRate = (options.lr * (1 + Math.cos((Math.PI * (epoch * perEpoch + b)) / total))) / 2;
      const { x, y } = batchOf(train, order, b * options.batchSize, options.batchSize, rng, options.shift, rotate, elastic);
      let mask: tf.Tensor | undefined;
      if (dropout > 0) {
        const m = new Float32Array(options.batchSize * featureDim);
        for (let k = 0; k < m.length; k++) m[k] = drop.uniform() < dropout ? 0 : 1 / (1 - dropout);
        mask = tf.tensor2d(m, [options.batchSize, featureDim]);
      }
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, trainLogits(model, x, mask)) as tf.Scalar, true);
      lossSum += (loss as tf.Scalar).dataSync()[0] * options.batchSize;
      seen += options.batchSize;
      tf.dispose([x, y, loss as tf.Scalar, ...(mask ? [mask] : [])]);
      await new Promise((r) => setImmediate(r)); // let Ctrl-C and the progress output through
    }
    const testAccuracy = test ? accuracy(embed(model, test.images, test.count, image), test.labels) : undefined;
    options.onEpoch?.({ epoch: epoch + 1, loss: lossSum / seen, testAccuracy, seconds: (performance.now() - t0) / 1000 });
  }
  optimizer.dispose();
  return model;
}
