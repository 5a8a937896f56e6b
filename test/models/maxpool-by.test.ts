// MaxPoolBy, the classifier's max pooling written as reshape + max (the wasm MaxPoolGrad is wrong for some shapes,
// TFJS-NOTES.md): the largest value of each f x f block, its gradient on the block's maximum only, and the same
// numbers as TF.js's own maxPool on the cpu backend's reference kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { MaxPoolBy } from '../../src/models/layers/index.js';

await initBackend('wasm');

test('MaxPoolBy takes the largest value of each 2x2 block, per channel', () => {
  // One 4x4 image, 2 channels: channel 1 is channel 0 negated.
  const c0 = [1, 5, 2, 0, 3, 4, 8, 7, -1, -2, 6, 6, -3, -4, 9, 1];
  const x = tf.tensor4d(c0.flatMap((v) => [v, 0 - v]), [1, 4, 4, 2]);
  const y = new MaxPoolBy({ factor: 2 }).apply(x) as tf.Tensor;
  assert.deepEqual(y.shape, [1, 2, 2, 2]);
  // blocks of channel 0: {1,5,3,4} {2,0,8,7} {-1,-2,-3,-4} {6,6,9,1}; of channel 1: the negated blocks' maxima
  assert.deepEqual(Array.from(y.dataSync()), [5, -1, 8, 0, -1, 4, 9, -1]);
  tf.dispose([x, y]);
});

test('its gradient reaches only the maximum of each block', () => {
  const x2 = tf.tensor4d([1, 5, 3, 4, 2, 0, 8, 7], [2, 2, 2, 1]);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(new MaxPoolBy({ factor: 2 }).apply(t) as tf.Tensor, tf.tensor1d([3]))))(x2);
  assert.deepEqual(Array.from(g.dataSync()), [0, 3, 0, 0, 0, 0, 3, 0]);
  tf.dispose([x2, g]);
});

test('it equals TF.js maxPool (2x2, stride 2) of the cpu backend on a random batch, forward and backward', async () => {
  // The reference runs on cpu: the wasm MaxPoolGrad itself disagrees on this shape (the bug MaxPoolBy avoids).
  const x = tf.randomNormal([3, 8, 6, 5], 0, 1, 'float32', 7);
  const w = tf.randomNormal([3, 4, 3, 5], 0, 1, 'float32', 8);
  const [xs, ws] = [x.dataSync().slice(), w.dataSync().slice()];
  const values = (t: tf.Tensor) => Array.from(t.dataSync(), (v) => v + 0); // ours writes -0 where TF.js writes 0
  const ours = (t: tf.Tensor) => tf.sum(tf.mul(new MaxPoolBy({ factor: 2 }).apply(t) as tf.Tensor, w));
  const [oursY, oursG] = [ours(x).dataSync()[0], values(tf.grad(ours)(x))];
  await tf.setBackend('cpu');
  try {
    const [xc, wc] = [tf.tensor4d(xs, [3, 8, 6, 5]), tf.tensor4d(ws, [3, 4, 3, 5])];
    const theirs = (t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), wc));
    assert.ok(Math.abs(oursY - theirs(xc).dataSync()[0]) < 1e-5);
    // Random normals have no ties, so both gradients are one-hot per block: equal exactly.
    assert.deepEqual(oursG, values(tf.grad(theirs)(xc)));
  } finally {
    await tf.setBackend('wasm');
  }
});
