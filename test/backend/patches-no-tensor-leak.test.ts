// The leak guard for every patched wasm kernel path: tensors and wasm data buffers equal before and after.
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { assertNoLeak } from './fixtures.js';

const r = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** Each entry exercises one code path of a patch; inputs are made outside the measured call. */
const PATHS: { label: string; inputs: () => tf.Tensor[]; op: (t: tf.Tensor[]) => tf.Tensor }[] = [
  { label: 'matMul direct (transposeA)', inputs: () => [r([20, 8], 1), r([20, 6], 2)], op: ([a, b]) => tf.matMul(a, b, true, false) },
  { label: 'matMul swapped (transposeB)', inputs: () => [r([8, 20], 1), r([30, 20], 2)], op: ([a, b]) => tf.matMul(a, b, false, true) },
  { label: 'matMul swapped (both)', inputs: () => [r([20, 8], 1), r([30, 20], 2)], op: ([a, b]) => tf.matMul(a, b, true, true) },
  { label: 'matMul batched', inputs: () => [r([3, 20, 8], 1), r([3, 6, 20], 2)], op: ([a, b]) => tf.matMul(a, b, true, true) },
  {
    label: 'fused matMul via XNNPACK',
    inputs: () => [r([20, 8], 1), r([6, 20], 2), r([6], 3)],
    op: ([a, b, bias]) => tf.fused.matMul({ a, b, bias, transposeA: true, transposeB: true, activation: 'relu' }),
  },
  {
    label: 'fused matMul unfused fallback',
    inputs: () => [r([3, 8, 20], 1), r([3, 20, 6], 2), r([6], 3)],
    op: ([a, b, bias]) => tf.fused.matMul({ a, b, bias, activation: 'leakyrelu' }),
  },
  {
    label: 'Conv2DBackpropFilter with a final slice',
    inputs: () => [r([2, 10, 10, 2], 1), r([2, 4, 4, 3], 2)],
    op: ([x, dy]) =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, {
        strides: [2, 2],
        pad: 'valid',
        dataFormat: 'NHWC',
        filterShape: [3, 3, 2, 3],
      }) as tf.Tensor,
  },
];

before(async () => {
  await initBackend('wasm');
});

for (const { label, inputs, op } of PATHS) {
  test(`${label} leaks no tensor and no wasm buffer`, () => {
    assertNoLeak(inputs, op);
  });
}
