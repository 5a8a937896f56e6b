// initBackend on a machine without tfjs-node: auto picks wasm and says why, native requests fail clearly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, WASM_PATCHES, initBackend, removeWasmPatches, type BackendName } from '../../src/backend/index.js';
import { nativeConvAvailable } from '../../src/backend/openblas-conv-patch.js';
import { openblasStatus } from '../../src/backend/openblas-matmul-patch.js';
import { GanymedeError } from '../../src/errors.js';

test('auto picks wasm with patches and names the missing native packages', async () => {
  const choice = await initBackend('auto');
  assert.equal(choice.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(choice.reason, /^wasm: @tensorflow\/tfjs-node-gpu not installed, @tensorflow\/tfjs-node not installed; /);
  assert.match(choice.reason, openblasStatus().ok ? /native OpenBLAS matMul \(OpenBLAS/ : /native OpenBLAS off/);
  // The OpenBLAS patches replace the explicit-transpose ones when the native addon is built (scripts/build-native.mjs).
  const matmul = openblasStatus().ok ? ['openblas-matmul', 'openblas-fused-matmul'] : ['matmul-transpose', 'fused-matmul'];
  // Likewise the native convolutions (native/conv.cc), which also replace XNNPACK's Conv2D and FusedConv2D.
  const conv = nativeConvAvailable()
    ? ['openblas-conv2d-backprop-filter', 'openblas-conv2d-backprop-input', 'openblas-conv2d', 'openblas-fused-conv2d']
    : ['conv2d-backprop-filter', 'conv2d-backprop-input'];
  assert.deepEqual(choice.patches, [...matmul, ...conv, 'identity-share']);
  assert.deepEqual(choice.patches, WASM_PATCHES.filter((p) => p.available?.() ?? true).map((p) => p.name));
});

test('initBackend is idempotent for the same request', async () => {
  const first = await initBackend('auto');
  const matMul = tf.getKernel(tf.BatchMatMul, 'wasm');
  const again = await initBackend('auto');
  assert.deepEqual(again, first);
  assert.equal(tf.getKernel(tf.BatchMatMul, 'wasm'), matMul, 'patches registered once');
});

test('patches: false restores the stock wasm kernels', async () => {
  const patched = tf.getKernel(tf.BatchMatMul, 'wasm');
  const choice = await initBackend('wasm', { patches: false });
  assert.deepEqual(choice, { name: 'wasm', reason: 'wasm: requested', patches: [] });
  assert.notEqual(tf.getKernel(tf.BatchMatMul, 'wasm'), patched);
  assert.equal(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm'), undefined);
  const repatched = await initBackend('wasm');
  assert.equal(repatched.patches.length, WASM_PATCHES.filter((p) => p.available?.() ?? true).length);
  removeWasmPatches();
  await initBackend('wasm'); // same request as before, but the patches were removed behind its back
  assert.notEqual(tf.getKernel(tf.Conv2DBackpropFilter, 'wasm'), undefined);
});

test('cpu can be requested and switched back from', async () => {
  assert.deepEqual(await initBackend('cpu'), { name: 'cpu', reason: 'cpu: requested', patches: [] });
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal((await initBackend('auto')).name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
});

for (const [name, pkg] of [
  ['tensorflow', '@tensorflow/tfjs-node'],
  ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
] as const) {
  test(`requesting '${name}' without ${pkg} throws GanymedeError with an install hint`, async () => {
    await assert.rejects(initBackend(name), (error: unknown) => {
      assert.ok(error instanceof GanymedeError);
      assert.match(error.message, new RegExp(`backend '${name}' is unavailable: ${pkg} not installed`));
      assert.match(error.hint ?? '', new RegExp(`npm install ${pkg}`));
      return true;
    });
  });
}

test('an unknown backend name is a GanymedeError listing the valid ones', async () => {
  await assert.rejects(initBackend('webgl' as BackendName), (error: unknown) => {
    assert.ok(error instanceof GanymedeError);
    assert.equal(error.hint, `valid backends: ${BACKEND_NAMES.join(', ')}`);
    return true;
  });
});
