// SAGAN's attention block (Zhang et al. 2019 §3): with gamma = 0 it is the identity; the attention map's rows
// (one distribution over key positions per query position) sum to 1; with gamma != 0 it changes its input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { SelfAttention } from '../../src/models/layers/index.js';
import { KeyedRandom } from '../../src/rng.js';

await initBackend('wasm');

function block(gamma: number): { layer: SelfAttention; x: tf.Tensor } {
  const layer = new SelfAttention({ name: `attn_${gamma}` });
  const x = tf.tensor(new KeyedRandom(1, 'x').normal(2 * 6 * 5 * 16), [2, 6, 5, 16]);
  layer.apply(x);
  const rng = new KeyedRandom(2, 'w');
  for (const w of layer.weights) {
    const n = w.shape.reduce((a, b) => (a as number) * (b as number), 1) as number;
    w.write(w.originalName.endsWith('attn_gamma') ? tf.tensor([gamma]) : tf.tensor(rng.normal(n), w.shape as number[]));
  }
  return { layer, x };
}

test('gamma = 0: the block is the identity', () => {
  const { layer, x } = block(0);
  const y = layer.apply(x) as tf.Tensor;
  assert.deepEqual(y.dataSync(), x.dataSync());
  layer.dispose();
});

test('the attention map is [B, N, N] and each row sums to 1', () => {
  const { layer, x } = block(0.5);
  const beta = layer.attentionMap(x);
  assert.deepEqual(beta.shape, [2, 30, 30]);
  const rows = tf.sum(beta, 2).dataSync();
  for (const s of rows) assert.ok(Math.abs(s - 1) < 1e-5, `row sum ${s}`);
  assert.ok(beta.dataSync().every((p) => p >= 0));
  const y = layer.apply(x) as tf.Tensor;
  assert.notDeepEqual(y.dataSync(), x.dataSync());
  layer.dispose();
});
