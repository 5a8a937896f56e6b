// The wasm Conv2DBackpropInput patch against cpu: the conv2dTranspose forward (which is that kernel) and its
// gradients, on the DCGAN shapes and odd ones. (conv2d input gradients are checked by the filter patch's test.)
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend, maxScaledError, valuesOn } from '../../src/backend/index.js';

const TOLERANCE = 1e-4;

interface Case {
  x: [number, number, number, number]; // [B, H, W, Cin of the transpose]
  w: [number, number, number, number]; // [KH, KW, Cout, Cin]
  out: [number, number, number, number];
  strides: [number, number];
  pad: 'same' | 'valid';
}

const CASES: Case[] = [
  { x: [2, 7, 7, 6], w: [4, 4, 3, 6], out: [2, 14, 14, 3], strides: [2, 2], pad: 'same' }, // DCGAN's G_up1, small
  { x: [2, 14, 14, 3], w: [4, 4, 1, 3], out: [2, 28, 28, 1], strides: [2, 2], pad: 'same' }, // G_up2
  { x: [2, 5, 5, 2], w: [3, 3, 4, 2], out: [2, 11, 11, 4], strides: [2, 2], pad: 'valid' },
  { x: [1, 4, 6, 3], w: [3, 3, 2, 3], out: [1, 4, 6, 2], strides: [1, 1], pad: 'same' },
  { x: [2, 3, 3, 2], w: [5, 5, 2, 2], out: [2, 9, 9, 2], strides: [3, 3], pad: 'same' },
  { x: [2, 4, 4, 2], w: [2, 3, 3, 2], out: [2, 8, 12, 3], strides: [2, 3], pad: 'same' },
];

function transposeAndGrads(c: Case): tf.Tensor[] {
  const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal(c.w, 0, 1, 'float32', 2) as tf.Tensor4D;
  const r = tf.randomNormal(c.out, 0, 1, 'float32', 3);
  const y = tf.conv2dTranspose(x, w, c.out, c.strides, c.pad);
  const grads = tf.grads((xi: tf.Tensor, wi: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(xi as tf.Tensor4D, wi as tf.Tensor4D, c.out, c.strides, c.pad), r)))([x, w]);
  return [y, ...grads];
}

before(async () => {
  await initBackend('wasm');
});

test('the zero-insertion form (GANYMEDE_CONV_BACKPROP_INPUT=zeros) matches cpu on the sub-pixel cases too', async () => {
  process.env.GANYMEDE_CONV_BACKPROP_INPUT = 'zeros';
  try {
    for (const c of CASES.slice(0, 2)) {
      const expected = await valuesOn('cpu', () => transposeAndGrads(c));
      const actual = await valuesOn('wasm', () => transposeAndGrads(c));
      assert.ok(maxScaledError(actual, expected) < TOLERANCE, `error ${maxScaledError(actual, expected)}`);
    }
  } finally {
    delete process.env.GANYMEDE_CONV_BACKPROP_INPUT;
  }
});

for (const c of CASES) {
  test(`conv2dTranspose x [${c.x}] w [${c.w}] strides [${c.strides}] ${c.pad}: output and gradients match cpu`, async () => {
    const expected = await valuesOn('cpu', () => transposeAndGrads(c));
    const actual = await valuesOn('wasm', () => transposeAndGrads(c));
    assert.equal(actual[0].length, expected[0].length);
    assert.ok(maxScaledError(actual, expected) < TOLERANCE, `error ${maxScaledError(actual, expected)}`);
  });
}
