// The wasm Conv2DBackpropFilter patch against cpu: conv2d and conv2dTranspose weight gradients through tf.grads.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend, maxScaledError, valuesOn } from '../../src/backend/index.js';

const TOLERANCE = 1e-4;

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];

interface ConvCase {
  x: [number, number, number, number]; // [B, H, W, Cin]
  w: [number, number, number, number]; // [KH, KW, Cin, Cout]
  strides: [number, number];
  pad: Pad;
}

const CASES: ConvCase[] = [
  { x: [2, 8, 8, 3], w: [3, 3, 3, 4], strides: [1, 1], pad: 'same' },
  { x: [2, 8, 8, 3], w: [3, 3, 3, 4], strides: [1, 1], pad: 'valid' },
  { x: [2, 9, 9, 3], w: [3, 3, 3, 4], strides: [2, 2], pad: 'same' },
  { x: [2, 8, 8, 3], w: [4, 4, 3, 5], strides: [2, 2], pad: 'same' }, // even filter: pads bottom/right more
  { x: [2, 10, 10, 2], w: [3, 3, 2, 5], strides: [2, 2], pad: 'valid' }, // stride leftover row and column
  { x: [1, 7, 6, 3], w: [2, 3, 3, 2], strides: [1, 2], pad: 'valid' },
  { x: [3, 7, 7, 4], w: [5, 5, 4, 3], strides: [2, 2], pad: 'same' },
  // A numeric pad only with equal strides: tfjs sizes the output with strideHeight on both axes, and with
  // unequal strides stock wasm Conv2D then writes past its output (heap corruption) in the forward pass.
  { x: [2, 6, 7, 3], w: [3, 3, 3, 2], strides: [2, 2], pad: 1 },
  { x: [2, 6, 6, 2], w: [3, 2, 2, 3], strides: [1, 1], pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [2, 8, 8, 2], w: [3, 3, 2, 3], strides: [2, 2], pad: [[0, 0], [0, 1], [1, 1], [0, 0]] },
];

/** dL/dx and dL/dw of L = sum(conv2d(x, w) * r), with r random so that dy is not uniform. */
function conv2dGrads(c: ConvCase): tf.Tensor[] {
  const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal(c.w, 0, 1, 'float32', 2) as tf.Tensor4D;
  const loss = (xi: tf.Tensor, wi: tf.Tensor): tf.Scalar => {
    const y = tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, c.strides, c.pad);
    return tf.sum(tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', 3)));
  };
  return tf.grads(loss)([x, w]);
}

before(async () => {
  await initBackend('wasm');
});

for (const c of CASES) {
  test(`conv2d grads x [${c.x}] w [${c.w}] strides [${c.strides}] pad ${JSON.stringify(c.pad)} match cpu`, async () => {
    const expected = await valuesOn('cpu', () => conv2dGrads(c));
    const actual = await valuesOn('wasm', () => conv2dGrads(c));
    assert.ok(maxScaledError(actual, expected) < TOLERANCE, `error ${maxScaledError(actual, expected)}`);
  });
}

test('conv2dTranspose filter gradient (stride 2, same) matches cpu', async () => {
  const f = (): tf.Tensor[] => {
    const x = tf.randomNormal([2, 4, 4, 5], 0, 1, 'float32', 1) as tf.Tensor4D; // [B, H, W, Cin of the transpose]
    const w = tf.randomNormal([4, 4, 3, 5], 0, 1, 'float32', 2) as tf.Tensor4D; // [KH, KW, Cout, Cin]
    const r = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3);
    const loss = (wi: tf.Tensor): tf.Scalar =>
      tf.sum(tf.mul(tf.conv2dTranspose(x, wi as tf.Tensor4D, [2, 8, 8, 3], 2, 'same'), r));
    return [tf.grad(loss)(w)];
  };
  const expected = await valuesOn('cpu', f);
  const actual = await valuesOn('wasm', f);
  assert.ok(maxScaledError(actual, expected) < TOLERANCE, `error ${maxScaledError(actual, expected)}`);
});

test('Conv2DBackpropFilter on wasm rejects NCHW with a clear error', async () => {
  await tf.setBackend('wasm');
  const x = tf.zeros([1, 3, 5, 5]);
  const dy = tf.zeros([1, 2, 5, 5]);
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 2] };
  assert.throws(() => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, attrs), /supports dataFormat 'NHWC' only/);
  tf.dispose([x, dy]);
});
