// ProGAN's layers (Karras et al. 2018) against hand-computed values: pixel norm (§4.2), minibatch standard
// deviation (§3) over the batch it runs on, equalized learning rate (§4.1: N(0, 1) weights scaled at run time by
// gain / sqrt(fan_in), which scales their gradient too), the fade-in blend, and the resampling layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { AvgPoolBy, EqualizedLayer, FadeIn, heScale, MinibatchStddev, PixelNorm, UpsampleBy } from '../../src/models/layers/index.js';

await initBackend('wasm');

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-6, what = ''): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

test('pixel norm divides each pixel\'s feature vector by its RMS', () => {
  const x = tf.tensor4d([3, 4, 0, 2], [1, 1, 2, 2]); // two pixels: (3, 4) and (0, 2)
  const y = new PixelNorm({}).apply(x) as tf.Tensor;
  // (3, 4) / sqrt((9 + 16) / 2) and (0, 2) / sqrt(4 / 2)
  close(y.dataSync(), [3 / Math.sqrt(12.5), 4 / Math.sqrt(12.5), 0, 2 / Math.SQRT2]);
  tf.dispose([x, y]);
});

test('minibatch stddev appends the mean over features of the batch standard deviation', () => {
  // Batch of 2, one pixel, 2 features: feature 0 is (1, 3), std 1; feature 1 is (2, 6), std 2; mean 1.5.
  const x = tf.tensor4d([1, 2, 3, 6], [2, 1, 1, 2]);
  const y = new MinibatchStddev({}).apply(x) as tf.Tensor;
  assert.deepEqual(y.shape, [2, 1, 1, 3]);
  close(y.dataSync(), [1, 2, 1.5, 3, 6, 1.5]);
  // Another batch (a different micro-shard) gets its own statistic: (1, 1) and (2, 2) have std 0 (sqrt(1e-8)).
  const z = new MinibatchStddev({}).apply(tf.tensor4d([1, 2, 1, 2], [2, 1, 1, 2])) as tf.Tensor;
  close(z.dataSync(), [1, 2, 1e-4, 1, 2, 1e-4], 1e-3);
});

test('equalized learning rate scales weights by gain / sqrt(fan_in) at run time, and their gradients with them', () => {
  assert.equal(heScale([3, 3, 2, 8], Math.SQRT2), Math.SQRT2 / Math.sqrt(18));
  // Dense, 4 inputs: c = sqrt(2) / 2; kernel all 1, bias 0.5; x = (1, 2, 3, 4) -> 10 c + 0.5.
  const dense = new EqualizedLayer({ units: 1 });
  const x = tf.tensor2d([[1, 2, 3, 4]]);
  dense.apply(x);
  dense.setWeights([tf.ones([4, 1]), tf.tensor1d([0.5])]);
  const c = Math.SQRT2 / 2;
  close((dense.apply(x) as tf.Tensor).dataSync(), [10 * c + 0.5]);
  // d out / d kernel = c x.
  const kernel = dense.trainableWeights[0].read() as tf.Variable;
  const { grads } = tf.variableGrads(() => tf.sum(dense.apply(x) as tf.Tensor) as tf.Scalar, [kernel]);
  close(grads[kernel.name].dataSync(), [1, 2, 3, 4].map((v) => c * v));
  // 3x3 'same' conv, 1 -> 1 channel, gain 1: c = 1/3; all-ones kernel on a 3x3 image of ones: 9c at the centre,
  // 4c in the corners, 6c at the edges.
  const conv = new EqualizedLayer({ units: 1, kernelSize: 3, gain: 1 });
  const img = tf.ones([1, 3, 3, 1]);
  conv.apply(img);
  conv.setWeights([tf.ones([3, 3, 1, 1]), tf.zeros([1])]);
  close((conv.apply(img) as tf.Tensor).dataSync(), [4, 6, 4, 6, 9, 6, 4, 6, 4].map((n) => n / 3));
});

test('fade-in blends old + alpha (new - old), exactly the old path at alpha 0', () => {
  const old = tf.tensor2d([[1, 2.1]]);
  const fresh = tf.tensor2d([[3, 6]]);
  const fade = new FadeIn({ alpha: 0.25 });
  close((fade.apply([old, fresh]) as tf.Tensor).dataSync(), [1.5, 2.1 + 0.25 * 3.9]);
  fade.alpha = 0;
  assert.deepEqual((fade.apply([old, fresh]) as tf.Tensor).dataSync(), old.dataSync());
  assert.equal(new FadeIn({ alpha: 0.5 }).getConfig().alpha, 0.5);
});

test('upsampling repeats pixels, average pooling takes block means', () => {
  const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  const up = new UpsampleBy({ factor: 2 }).apply(x) as tf.Tensor;
  assert.deepEqual(Array.from(up.dataSync()), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  close((new AvgPoolBy({ factor: 2 }).apply(x) as tf.Tensor).dataSync(), [2.5]);
  assert.deepEqual(Array.from((new AvgPoolBy({ factor: 2 }).apply(up) as tf.Tensor).dataSync()), [1, 2, 3, 4]);
});
