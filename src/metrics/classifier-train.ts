// Trains the feature classifier (src/metrics/classifier.ts) on a dataset's training split with Adam and random
// translations of up to 2 pixels, every draw keyed through src/rng.ts, so the same seed gives the same weights.
// One process, no coordinator: the classifier is a measuring instrument trained once and shipped, not a model run.
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/index.js';
import { initialWeights } from '../models/index.js';
import { KeyedRandom } from '../rng.js';
import { accuracy, buildClassifier, embed } from './classifier.js';

export interface ClassifierTrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  /** Largest random shift, pixels, in each direction (0: no augmentation). */
  shift: number;
  seed: number;
  /** Called after each epoch. */
  onEpoch?: (e: { epoch: number; loss: number; testAccuracy?: number; seconds: number }) => void;
}

export const defaultClassifierTrainOptions = (): ClassifierTrainOptions => ({ epochs: 12, batchSize: 64, lr: 1e-3, shift: 2, seed: 0 });

/** Copies image `src` shifted by (dy, dx) pixels into `dst`, filling with 0 (the background of MNIST-family data). */
function shiftInto(src: Uint8Array, dst: Uint8Array, h: number, w: number, c: number, dy: number, dx: number): void {
  dst.fill(0);
  for (let y = Math.max(0, dy); y < Math.min(h, h + dy); y++) {
    const from = ((y - dy) * w + Math.max(0, -dx)) * c;
    dst.set(src.subarray(from, from + (w - Math.abs(dx)) * c), (y * w + Math.max(0, dx)) * c);
  }
}

/** One batch of (augmented) images and one-hot labels. */
function batchOf(data: Dataset, order: Uint32Array, from: number, n: number, rng: KeyedRandom, shift: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const per = data.height * data.width * data.channels;
  const pixels = new Float32Array(n * per);
  const labels = new Int32Array(n);
  const img = new Uint8Array(per);
  for (let j = 0; j < n; j++) {
    const i = order[from + j];
    shiftInto(data.pixels(i), img, data.height, data.width, data.channels, rng.int(-shift, shift), rng.int(-shift, shift));
    for (let k = 0; k < per; k++) pixels[j * per + k] = img[k] / 255;
    labels[j] = data.label(i);
  }
  return {
    x: tf.tensor4d(pixels, [n, data.height, data.width, data.channels]),
    y: tf.oneHot(tf.tensor1d(labels, 'int32'), data.classes) as tf.Tensor2D,
  };
}

/**
 * Trains a classifier from keyed initial weights (PyTorch's default init) and returns it. Learning rate `lr`, then
 * lr/10 for the last quarter of the epochs. With `test`, reports test accuracy after every epoch.
 */
export async function trainClassifier(train: Dataset, test: Dataset | undefined, options: ClassifierTrainOptions): Promise<tf.LayersModel> {
  const image = { height: train.height, width: train.width, channels: train.channels };
  const model = buildClassifier(image, train.classes);
  const init = initialWeights(model, 'classifier', options.seed);
  tf.tidy(() => model.setWeights(init.values.map((v, i) => tf.tensor(v, init.shapes[i]))));
  const optimizer = tf.train.adam(options.lr);
  const decayAt = Math.ceil(options.epochs * 0.75);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const t0 = performance.now();
    // tfjs reads the rate at every update; it has no public setter.
    if (epoch === decayAt) (optimizer as unknown as { learningRate: number }).learningRate = options.lr / 10;
    const order = new KeyedRandom(options.seed, 'classifier', 'order', epoch).permutation(train.count);
    const rng = new KeyedRandom(options.seed, 'classifier', 'shift', epoch);
    let lossSum = 0;
    let seen = 0;
    for (let from = 0; from + options.batchSize <= train.count; from += options.batchSize) {
      const { x, y } = batchOf(train, order, from, options.batchSize, rng, options.shift);
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar, true);
      lossSum += (loss as tf.Scalar).dataSync()[0] * options.batchSize;
      seen += options.batchSize;
      tf.dispose([x, y, loss as tf.Scalar]);
      await new Promise((r) => setImmediate(r)); // let Ctrl-C and the progress output through
    }
    const testAccuracy = test ? accuracy(embed(model, test.images, test.count, image), test.labels) : undefined;
    options.onEpoch?.({ epoch: epoch + 1, loss: lossSum / seen, testAccuracy, seconds: (performance.now() - t0) / 1000 });
  }
  optimizer.dispose();
  return model;
}
