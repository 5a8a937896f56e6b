// The patched wasm BatchMatMul against the cpu backend: every transpose combination, rank 2, batched, broadcast.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend, maxScaledError, valuesOn } from '../../src/backend/index.js';
import { planMatMul } from '../../src/backend/matmul-patch.js';

const TOLERANCE = 1e-4;

/** Shapes of op(A) = [.., m, k] and op(B) = [.., k, n] before the transpose flags are applied. */
const SHAPES: { label: string; a: number[]; b: number[] }[] = [
  { label: 'rank 2', a: [17, 33], b: [33, 29] },
  { label: 'rank 2, wide output', a: [8, 40], b: [40, 96] },
  { label: 'rank 3, batch 1', a: [1, 12, 20], b: [1, 20, 9] },
  { label: 'rank 3, batch 3', a: [3, 12, 20], b: [3, 20, 9] },
  { label: 'rank 3, broadcast B', a: [3, 12, 20], b: [1, 20, 9] },
];

const swapLast = (s: number[]): number[] => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];

before(async () => {
  await initBackend('wasm');
});

for (const { label, a, b } of SHAPES) {
  for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const aShape = transposeA ? swapLast(a) : a;
    const bShape = transposeB ? swapLast(b) : b;
    test(`matMul ${label} transposeA=${transposeA} transposeB=${transposeB} matches cpu`, async () => {
      const f = (): tf.Tensor =>
        tf.matMul(tf.randomNormal(aShape, 0, 1, 'float32', 1), tf.randomNormal(bShape, 0, 1, 'float32', 2), transposeA, transposeB);
      const expected = await valuesOn('cpu', f);
      const actual = await valuesOn('wasm', f);
      assert.ok(maxScaledError(actual, expected) < TOLERANCE, `error ${maxScaledError(actual, expected)}`);
    });
  }
}

test('planMatMul swaps for dx = dy W^T and not for dW = x^T dy', () => {
  // Dense layer 1024 -> 256, batch 64: dy [64, 256], W [1024, 256], x [64, 1024].
  assert.equal(planMatMul([64, 256], [1024, 256], false, true), 'swapped');
  assert.equal(planMatMul([64, 1024], [64, 256], true, false), 'direct');
  assert.equal(planMatMul([3, 12, 20], [3, 9, 20], false, true), 'direct'); // batched: XNNPACK needs batch 1
});
