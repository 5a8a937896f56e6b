// The native Adam loop (native/gemm.cc) against the JS one (src/train/adam.ts): bit-identical weights and
// moments over many steps, on values from subnormal to huge, on views into larger buffers; bad calls throw.
// Skipped (with the reason) where the addon is not built: the JS loop then runs, and is the reference.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadOpenblas } from '../../src/backend/openblas-addon.js';
import { adamInit, adamStep } from '../../src/train/adam.js';
import { KeyedRandom } from '../../src/rng.js';

const load = loadOpenblas();
const skip = !load.ok ? load.why : load.addon.adam === undefined ? 'the built addon predates adam (rebuild: node scripts/build-native.mjs)' : false;

function values(seed: number, n: number): Float32Array {
  const z = new KeyedRandom('adam-native', seed).normal(n);
  const scales = [1e-40, 1e-20, 1e-6, 1e-3, 1, 1e3, 1e20];
  return z.map((x, i) => (i % 97 === 0 ? 0 : x * scales[i % scales.length]));
}

test('native Adam is bit-identical to the JS loop', { skip }, () => {
  const sizes = [1, 7, 1000, 4097];
  const backing = new Float32Array(sizes.reduce((a, b) => a + b, 0) + 3);
  let at = 3;
  const viewed = sizes.map((n) => { const v = backing.subarray(at, at + n); at += n; return v; }); // offsets not multiples of 16 bytes
  viewed.forEach((v, k) => v.set(values(k, v.length)));
  const js = viewed.map((v) => v.slice());
  const sNative = adamInit(sizes);
  const sJs = adamInit(sizes);
  const cfg = { lr: 2e-4, beta1: 0.5, beta2: 0.999, eps: 1e-8 };
  for (let step = 0; step < 25; step++) {
    const grads = sizes.map((n, k) => values(100 * step + k + 7, n));
    adamStep(viewed, grads, sNative, cfg, step % 2 ? cfg.lr : 1e-3, 'auto');
    adamStep(js, grads, sJs, cfg, step % 2 ? cfg.lr : 1e-3, 'js');
  }
  const bytes = (a: Float32Array[]) => a.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex'));
  assert.deepEqual(bytes(viewed), bytes(js));
  assert.deepEqual(bytes(sNative.m), bytes(sJs.m));
  assert.deepEqual(bytes(sNative.v), bytes(sJs.v));
  assert.ok(viewed[2].some((x, i) => x !== values(2, 1000)[i]), 'the weights moved');
});

test('native Adam rejects arrays of other types or lengths, writing nothing', { skip }, () => {
  const adam = (load as { addon: { adam: (...a: unknown[]) => void } }).addon.adam;
  const w = new Float32Array([1, 2]);
  assert.throws(() => adam(w, new Float32Array(3), new Float32Array(2), new Float32Array(2), 0.5, 0.5, 0.9, 0.1, 1, 1, 1e-8), RangeError);
  assert.throws(() => adam(w, new Float64Array(2), new Float32Array(2), new Float32Array(2), 0.5, 0.5, 0.9, 0.1, 1, 1, 1e-8), TypeError);
  assert.throws(() => adam(w, new Float32Array(2), new Float32Array(2)), TypeError);
  assert.deepEqual([...w], [1, 2]);
});
