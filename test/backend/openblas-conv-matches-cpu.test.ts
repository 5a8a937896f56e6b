// The native im2col + OpenBLAS convolutions (native/conv.cc via src/backend/openblas-conv-patch.ts) against
// cpu: conv2d and its two gradients, fused conv2d with bias and activations, conv2dTranspose, on the model
// families' shapes and odd ones (strides, dilations, explicit padding, 1x1, chunked batches). Skipped when the
// addon is not built (then the wasm patches, tested elsewhere, run instead).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend, maxScaledError, valuesOn } from '../../src/backend/index.js';
import { nativeConvAvailable, nativeConvCalls } from '../../src/backend/openblas-conv-patch.js';
import { assertNoLeak } from './fixtures.js';

const TOLERANCE = 1e-4;
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface Case {
  x: [number, number, number, number];
  w: [number, number, number, number]; // [KH, KW, Cin, Cout]
  strides: [number, number];
  pad: Pad;
  dilations?: [number, number];
}

const CASES: Case[] = [
  { x: [4, 28, 28, 1], w: [4, 4, 1, 8], strides: [2, 2], pad: 'same' }, // DCGAN D conv1, small
  { x: [4, 14, 14, 8], w: [4, 4, 8, 16], strides: [2, 2], pad: 'same' }, // D conv2
  { x: [2, 14, 14, 6], w: [3, 3, 6, 5], strides: [1, 1], pad: 'same' }, // ResNet block conv
  { x: [2, 14, 14, 6], w: [1, 1, 6, 4], strides: [1, 1], pad: 'valid' }, // 1x1 (shortcut, attention): no im2col
  { x: [3, 9, 11, 3], w: [3, 2, 3, 4], strides: [2, 3], pad: 'valid' },
  { x: [2, 8, 8, 3], w: [3, 3, 3, 2], strides: [1, 1], pad: 'same', dilations: [2, 2] },
  { x: [2, 7, 7, 2], w: [3, 3, 2, 3], strides: [1, 1], pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
];

function convAndGrads(c: Case): tf.Tensor[] {
  const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal(c.w, 0, 1, 'float32', 2) as tf.Tensor4D;
  const y = tf.conv2d(x, w, c.strides, c.pad, 'NHWC', c.dilations ?? [1, 1]);
  const r = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
  const f = (xi: tf.Tensor, wi: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, c.strides, c.pad, 'NHWC', c.dilations ?? [1, 1]), r));
  // tfjs has no gradient of a dilated conv2d: the forward only.
  return (c.dilations ?? [1, 1]).every((d) => d === 1) ? [y, ...tf.grads(f)([x, w])] : [y];
}

before(async () => {
  await initBackend('wasm');
});

const skip = !nativeConvAvailable() && 'native/build/Release/gemm.node with conv() not built';

for (const c of CASES) {
  const label = `x [${c.x}] w [${c.w}] strides [${c.strides}] ${JSON.stringify(c.pad)}${c.dilations ? ` dilations [${c.dilations}]` : ''}`;
  test(`conv2d ${label}: output and both gradients match cpu, natively`, { skip }, async () => {
    const before = nativeConvCalls();
    const expected = await valuesOn('cpu', () => convAndGrads(c));
    const actual = await valuesOn('wasm', () => convAndGrads(c));
    const after = nativeConvCalls();
    assert.equal(actual[0].length, expected[0].length);
    assert.ok(maxScaledError(actual, expected) < TOLERANCE, `error ${maxScaledError(actual, expected)}`);
    assert.ok(after.forward > before.forward, 'the native forward ran');
    if (actual.length === 3) assert.ok(after.input > before.input && after.filter > before.filter, 'the native gradients ran');
  });
}

test('conv2dTranspose (a Conv2DBackpropInput forward) and its gradients match cpu, natively', { skip }, async () => {
  const run = () => {
    const x = tf.randomNormal([3, 7, 7, 6], 0, 1, 'float32', 4) as tf.Tensor4D;
    const w = tf.randomNormal([4, 4, 3, 6], 0, 1, 'float32', 5) as tf.Tensor4D;
    const r = tf.randomNormal([3, 14, 14, 3], 0, 1, 'float32', 6);
    const f = (xi: tf.Tensor, wi: tf.Tensor) => tf.conv2dTranspose(xi as tf.Tensor4D, wi as tf.Tensor4D, [3, 14, 14, 3], 2, 'same');
    return [f(x, w), ...tf.grads((xi: tf.Tensor, wi: tf.Tensor) => tf.sum(tf.mul(f(xi, wi), r)))([x, w])];
  };
  const before = nativeConvCalls().input;
  const expected = await valuesOn('cpu', run);
  const actual = await valuesOn('wasm', run);
  assert.ok(maxScaledError(actual, expected) < TOLERANCE, `error ${maxScaledError(actual, expected)}`);
  assert.ok(nativeConvCalls().input > before);
});

for (const activation of ['linear', 'relu', 'relu6', 'leakyrelu', 'elu'] as const) {
  test(`fused conv2d with bias and ${activation} matches cpu`, { skip }, async () => {
    const run = () => {
      const x = tf.randomNormal([2, 10, 10, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
      const filter = tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 8) as tf.Tensor4D;
      const bias = tf.randomNormal([5], 0, 1, 'float32', 9);
      return [tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias, activation, leakyreluAlpha: 0.1 })];
    };
    const expected = await valuesOn('cpu', run);
    const actual = await valuesOn('wasm', run);
    assert.ok(maxScaledError(actual, expected) < TOLERANCE, `error ${maxScaledError(actual, expected)}`);
  });
}

test('a batch larger than one column chunk gives the same result as per-sample calls', { skip }, async () => {
  // 64 MiB of columns per chunk: [40, 28, 28, 64] with 5x5 kernels needs 2 chunks.
  await initBackend('wasm');
  tf.tidy(() => {
    const x = tf.randomNormal([40, 28, 28, 64], 0, 1, 'float32', 10) as tf.Tensor4D;
    const w = tf.randomNormal([5, 5, 64, 2], 0, 1, 'float32', 11) as tf.Tensor4D;
    const whole = tf.conv2d(x, w, 1, 'same');
    const parts = tf.concat(tf.split(x, 40).map((xi) => tf.conv2d(xi as tf.Tensor4D, w, 1, 'same')));
    assert.ok(tf.max(tf.abs(tf.sub(whole, parts))).dataSync()[0] < 1e-3);
  });
});

test('the native kernels leak no tensor and no heap buffer', { skip }, async () => {
  await initBackend('wasm');
  const inputs = () => [tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1), tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2)];
  assertNoLeak(inputs, ([x, w]) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'));
  assertNoLeak(inputs, ([x, w]) => tf.grad((wi: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, wi as tf.Tensor4D, 2, 'same')))(w));
});
