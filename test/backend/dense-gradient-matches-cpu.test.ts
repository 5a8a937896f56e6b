// Gradients of a two-layer tf.layers.dense network on patched wasm against cpu (fused forward, transposed backward).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend, maxScaledError, valuesOn } from '../../src/backend/index.js';

const TOLERANCE = 1e-4;

/** Loss gradients w.r.t. the input and all four weights of dense(48, activation) -> dense(10). */
function denseGrads(activation: 'relu' | 'linear' | 'sigmoid'): tf.Tensor[] {
  const seeded = (seed: number) => tf.initializers.randomNormal({ mean: 0, stddev: 0.3, seed });
  const hidden = tf.layers.dense({ units: 48, activation, kernelInitializer: seeded(1), biasInitializer: seeded(2) });
  const out = tf.layers.dense({ units: 10, kernelInitializer: seeded(3), biasInitializer: seeded(4) });
  const x = tf.randomNormal([16, 30], 0, 1, 'float32', 5);
  const target = tf.randomNormal([16, 10], 0, 1, 'float32', 6);
  const loss = (xi: tf.Tensor): tf.Scalar =>
    tf.losses.meanSquaredError(target, out.apply(hidden.apply(xi) as tf.Tensor) as tf.Tensor) as tf.Scalar;
  loss(x).dispose(); // builds the layers, creating their weights
  const weights = [...hidden.trainableWeights, ...out.trainableWeights].map((w) => w.read() as tf.Variable);
  const { grads } = tf.variableGrads(() => loss(x), weights);
  const dx = tf.grad(loss)(x);
  const result = [dx, ...weights.map((w) => grads[w.name])];
  hidden.dispose();
  out.dispose();
  return result;
}

before(async () => {
  await initBackend('wasm');
});

for (const activation of ['relu', 'linear', 'sigmoid'] as const) {
  test(`dense layer gradients (${activation}) on wasm match cpu`, async () => {
    const expected = await valuesOn('cpu', () => denseGrads(activation));
    const actual = await valuesOn('wasm', () => denseGrads(activation));
    assert.equal(actual.length, 5);
    assert.ok(maxScaledError(actual, expected) < TOLERANCE, `error ${maxScaledError(actual, expected)}`);
  });
}
