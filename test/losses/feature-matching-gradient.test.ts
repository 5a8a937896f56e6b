// Feature matching (Salimans et al. 2016): G's gradient is non-zero when the mean D features of real and fake
// differ, and zero when they match.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { featureMatchingLoss } from '../../src/losses/index.js';
import { shardGradients } from '../../src/train/shard-gradients.js';
import { replicaFor, task } from './fixtures.js';

await initBackend('wasm');

test('the gradient w.r.t. the fakes is zero when their mean D features match the real ones, non-zero otherwise', () => {
  const r = replicaFor(['gan.generatorLoss=feature-matching']);
  const D = r.replica.nets.D;
  const features = tf.model({ inputs: D.inputs, outputs: D.layers[D.layers.length - 2].output as tf.SymbolicTensor });
  const real = tf.tidy(() => tf.sub(tf.div(tf.tensor2d(task('G', 'G').x!, [4, 784], 'float32'), 127.5), 1));
  const grad = (fake: tf.Tensor) =>
    tf.tidy(() => Array.from(tf.grad((f: tf.Tensor) => featureMatchingLoss(features.apply(real) as tf.Tensor, features.apply(f) as tf.Tensor))(fake).dataSync()));
  const maxAbs = (a: number[]) => Math.max(...a.map(Math.abs));
  // The same digits in another order: equal feature means.
  const permuted = tf.gather(real, [2, 0, 3, 1]);
  assert.ok(maxAbs(grad(permuted)) < 1e-6, `matching means: ${maxAbs(grad(permuted))}`);
  const other = tf.reverse(real, 1); // mirrored digits: other features
  assert.ok(maxAbs(grad(other)) > 1e-4, `different means: ${maxAbs(grad(other))}`);
  tf.dispose([real, permuted, other]);
  r.dispose();
});

test('a feature-matching G round gives every G weight a non-zero gradient, and needs the real digits', () => {
  const r = replicaFor(['gan.generatorLoss=feature-matching']);
  const { grads, stats } = shardGradients(r.replica, task('G', 'G'));
  assert.equal(grads.length, r.replica.nets.G.trainableWeights.length);
  for (const g of grads) assert.ok(g.some((v) => v !== 0) && g.every(Number.isFinite));
  assert.ok(stats['loss/G'] > 0);
  assert.throws(() => shardGradients(r.replica, { ...task('G', 'G'), x: undefined }), /needs the shard's images/);
  r.dispose();
});
