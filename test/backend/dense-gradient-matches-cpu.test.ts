// Gradients of a two-layer tf.layers.dense network on patched wasm against cpu (fused forward, transposed backward).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend, maxScaledError, valuesOn } from '../../src/backend/index.js';
import { denseGrads } from './fixtures.js';

const TOLERANCE = 1e-4;

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
