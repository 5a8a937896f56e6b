// Shared fixtures of the backend tests: a small dense network's gradients, and the tensor-leak check.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

/** Loss gradients w.r.t. the input and all four weights of dense(48, activation) -> dense(10). */
export function denseGrads(activation: 'relu' | 'linear' | 'sigmoid'): tf.Tensor[] {
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

/**
 * Runs `op` once to warm up, then again: exactly one more tensor, and after disposing it the engine's and the
 * backend's counts are back (tf.memory() only sees tensors the engine made, not a kernel's intermediates).
 */
export function assertNoLeak<T extends tf.Tensor[]>(inputs: () => T, op: (ins: T) => tf.Tensor): void {
  const ins = inputs();
  op(ins).dispose(); // warm-up: tfjs may cache things on first use
  const tensorsBefore = tf.memory().numTensors;
  const buffersBefore = tf.backend().numDataIds();
  const out = op(ins);
  assert.equal(tf.memory().numTensors, tensorsBefore + 1);
  out.dispose();
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(tf.backend().numDataIds(), buffersBefore);
  tf.dispose(ins);
}
