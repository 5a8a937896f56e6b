// The speed changes of issue 10 on the wasm path: Identity shares memory instead of copying (the engine clones
// every tensor it saves for backward), and gradients are read out once. Both must leave every value as it was:
// clones equal and independent of later disposal, gradients byte-equal to stock wasm, no leak, and a caller's
// gradient array is its own (changing it changes no tensor).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend, removeWasmPatches } from '../../src/backend/index.js';
import { ownedFloat32 } from '../../src/backend/owned-data.js';
import { assertNoLeak, denseGrads } from './fixtures.js';

const bytes = (ts: tf.Tensor[]) => ts.map((t) => Buffer.from(new Float32Array(t.dataSync()).buffer));

test('Identity on wasm shares memory: a clone holds the same values, outlives its source, and leaks nothing', async () => {
  await initBackend('wasm', { patches: true });
  const x = tf.tensor([1, 2, 3, 4], [2, 2]);
  const before = tf.memory().numDataBuffers;
  const y = tf.clone(x);
  assert.equal(tf.memory().numDataBuffers, before, 'no new buffer: the clone shares the memory');
  assert.equal(y.dataId, x.dataId);
  x.dispose();
  assert.deepEqual([...y.dataSync()], [1, 2, 3, 4]);
  y.dispose();
  assertNoLeak(() => [tf.randomNormal([30, 20], 0, 1, 'float32', 1)], ([a]) => tf.clone(a));
  const s = tf.clone(tf.tensor(['a', 'b']));
  assert.deepEqual(s.dataSync(), ['a', 'b']);
});

test('gradients through the shared Identity are byte-equal to stock wasm', async () => {
  await initBackend('wasm', { patches: false });
  removeWasmPatches();
  const stock = tf.tidy(() => denseGrads('relu'));
  const stockBytes = bytes(stock);
  tf.dispose(stock);
  await initBackend('wasm', { patches: true });
  const patched = tf.tidy(() => denseGrads('relu'));
  // Patched matMul may round differently from stock: compare with Identity alone swapped back.
  const shared = bytes(patched);
  tf.dispose(patched);
  assert.equal(shared.length, stockBytes.length);
  removeWasmPatches();
  const { identitySharePatch } = await import('../../src/backend/identity-share-patch.js');
  const stockIdentity = tf.getKernel('Identity', 'wasm');
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel(identitySharePatch.build(stockIdentity));
  try {
    const onlyIdentity = tf.tidy(() => denseGrads('relu'));
    assert.deepEqual(bytes(onlyIdentity), stockBytes);
    tf.dispose(onlyIdentity);
  } finally {
    tf.unregisterKernel('Identity', 'wasm');
    tf.registerKernel(stockIdentity);
  }
});

test('ownedFloat32: the caller may change the array without changing the tensor, on wasm and cpu', async () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    await initBackend(backend, { patches: true });
    const t = tf.tensor([1, 2, 3]);
    const a = ownedFloat32(t);
    a[0] = 99;
    assert.deepEqual([...t.dataSync()], [1, 2, 3], backend);
    assert.deepEqual([...ownedFloat32(t)], [1, 2, 3], backend);
    t.dispose();
  }
});
