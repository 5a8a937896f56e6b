// The native OpenBLAS matMul kernels on wasm against cpu: transposes, batches, broadcast, fused bias and
// activations, dense-layer gradients, heap growth, leaks, and the fallback when the addon is absent.
// Skipped (with the reason) where native/build/Release/gemm.node is not built: see scripts/build-native.mjs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend, maxScaledError, valuesOn } from '../../src/backend/index.js';
import { assertNoLeak, denseGrads } from './fixtures.js';
import { fusedMatMulPatch } from '../../src/backend/fused-matmul-patch.js';
import { matMulTransposePatch } from '../../src/backend/matmul-patch.js';
import { loadOpenblas } from '../../src/backend/openblas-addon.js';
import {
  openblasCalls,
  openblasFusedMatMulPatch,
  openblasMatMulPatch,
  openblasStatus,
} from '../../src/backend/openblas-matmul-patch.js';

const TOLERANCE = 1e-4;
const status = openblasStatus();
const skip = status.ok ? false : `OpenBLAS addon not in use: ${status.why}`;
if (!status.ok) console.log(`# skipping the native matMul tests: ${status.why}`);

const PATCHES = [openblasMatMulPatch, openblasFusedMatMulPatch];
const replaced = new Map<string, tf.KernelConfig | undefined>();

/** Registers the two native patches over whatever wasm has now (stock, or the lead's patched list). */
function registerNative(): void {
  for (const patch of PATCHES) {
    const current = tf.getKernel(patch.kernelName, 'wasm') as tf.KernelConfig | undefined;
    replaced.set(patch.kernelName, current);
    if (current !== undefined) tf.unregisterKernel(patch.kernelName, 'wasm');
    tf.registerKernel(patch.build(current));
  }
}

function restore(): void {
  for (const [kernelName, config] of replaced) {
    tf.unregisterKernel(kernelName, 'wasm');
    if (config !== undefined) tf.registerKernel(config);
  }
  replaced.clear();
}

before(async () => {
  await initBackend('wasm', { patches: false }); // stock kernels: the native patches bring their own fallbacks
  if (status.ok) registerNative();
});

after(() => {
  if (status.ok) restore();
});

const r = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);
const swapLast = (s: number[]): number[] => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];

/** Shapes of op(A) = [.., m, k] and op(B) = [.., k, n] before the transpose flags; native: addon takes it. */
const SHAPES: { label: string; a: number[]; b: number[]; native: boolean }[] = [
  { label: 'rank 2', a: [17, 33], b: [33, 29], native: true },
  { label: 'rank 2, m 1', a: [1, 40], b: [40, 96], native: true },
  { label: 'rank 3, batch 3', a: [3, 12, 20], b: [3, 20, 9], native: true },
  { label: 'rank 3, broadcast B', a: [3, 12, 20], b: [1, 20, 9], native: true },
  { label: 'rank 3, broadcast A', a: [1, 12, 20], b: [4, 20, 9], native: true },
  { label: 'rank 3 x rank 2', a: [2, 12, 20], b: [20, 9], native: true },
  { label: 'rank 4 x rank 3 (fallback)', a: [2, 3, 5, 7], b: [3, 7, 4], native: false },
  { label: 'rank 4 cross broadcast (fallback)', a: [2, 1, 5, 7], b: [1, 3, 7, 4], native: false },
];

for (const { label, a, b, native } of SHAPES) {
  for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const aShape = transposeA ? swapLast(a) : a;
    const bShape = transposeB ? swapLast(b) : b;
    test(`native matMul ${label} tA=${transposeA} tB=${transposeB} matches cpu`, { skip }, async () => {
      const f = (): tf.Tensor => tf.matMul(r(aShape, 1), r(bShape, 2), transposeA, transposeB);
      const expected = await valuesOn('cpu', f);
      const before = openblasCalls().batchMatMul;
      const actual = await valuesOn('wasm', f);
      assert.ok(maxScaledError(actual, expected) < TOLERANCE, `error ${maxScaledError(actual, expected)}`);
      assert.equal(openblasCalls().batchMatMul - before, native ? 1 : 0, 'ran natively');
    });
  }
}

type Activation = 'linear' | 'relu' | 'relu6' | 'leakyrelu' | 'prelu' | 'sigmoid' | 'elu';
const [M, K, N] = [12, 20, 9];

interface FusedCase {
  batch: number; // 0: rank 2
  transposeA: boolean;
  transposeB: boolean;
  activation: Activation;
  bias: number[] | null;
}

function fused(c: FusedCase): tf.Tensor {
  const lead = c.batch === 0 ? [] : [c.batch];
  return tf.fused.matMul({
    a: r([...lead, ...(c.transposeA ? [K, M] : [M, K])], 1),
    b: r([...lead, ...(c.transposeB ? [N, K] : [K, N])], 2),
    transposeA: c.transposeA,
    transposeB: c.transposeB,
    bias: c.bias === null ? undefined : r(c.bias, 3),
    activation: c.activation,
    preluActivationWeights: c.activation === 'prelu' ? tf.randomUniform([N], 0, 0.5, 'float32', 4) : undefined,
    leakyreluAlpha: 0.3,
  });
}

const FUSED: FusedCase[] = [];
for (const batch of [0, 3]) {
  for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    for (const activation of ['linear', 'relu', 'leakyrelu'] as const) {
      FUSED.push({ batch, transposeA, transposeB, activation, bias: [N] });
    }
  }
}
FUSED.push(
  { batch: 0, transposeA: false, transposeB: true, activation: 'linear', bias: null },
  { batch: 3, transposeA: true, transposeB: false, activation: 'relu', bias: null },
  { batch: 0, transposeA: true, transposeB: false, activation: 'prelu', bias: [N] },
  { batch: 3, transposeA: false, transposeB: true, activation: 'prelu', bias: [N] },
  { batch: 0, transposeA: false, transposeB: true, activation: 'sigmoid', bias: [N] },
  { batch: 0, transposeA: true, transposeB: true, activation: 'elu', bias: [N] },
  { batch: 0, transposeA: false, transposeB: false, activation: 'relu6', bias: [N] },
  { batch: 0, transposeA: false, transposeB: false, activation: 'relu', bias: [1, N] },
  { batch: 3, transposeA: false, transposeB: false, activation: 'leakyrelu', bias: [1, 1, N] },
  { batch: 0, transposeA: true, transposeB: false, activation: 'relu', bias: [M, 1] }, // Add kernel path
  { batch: 3, transposeA: false, transposeB: false, activation: 'leakyrelu', bias: [3, 1, N] }, // Add kernel path
  { batch: 0, transposeA: false, transposeB: false, activation: 'linear', bias: [] }, // scalar bias: Add
);

for (const c of FUSED) {
  const rank = c.batch === 0 ? 'rank 2' : `batch ${c.batch}`;
  const bias = c.bias === null ? 'no bias' : `bias [${c.bias}]`;
  test(`native fused matMul ${rank} tA=${c.transposeA} tB=${c.transposeB} ${c.activation} ${bias} matches cpu`, { skip }, async () => {
    const expected = await valuesOn('cpu', () => fused(c));
    const before = openblasCalls().fusedMatMul;
    const actual = await valuesOn('wasm', () => fused(c));
    assert.ok(maxScaledError(actual, expected) < TOLERANCE, `error ${maxScaledError(actual, expected)}`);
    assert.equal(openblasCalls().fusedMatMul - before, 1, 'ran natively');
  });
}

for (const activation of ['relu', 'linear', 'sigmoid'] as const) {
  test(`dense layer gradients (${activation}) with native matMul match cpu`, { skip }, async () => {
    const expected = await valuesOn('cpu', () => denseGrads(activation));
    const before = openblasCalls();
    const actual = await valuesOn('wasm', () => denseGrads(activation));
    const now = openblasCalls();
    assert.equal(actual.length, 5);
    assert.ok(maxScaledError(actual, expected) < TOLERANCE, `error ${maxScaledError(actual, expected)}`);
    assert.ok(now.batchMatMul > before.batchMatMul, 'backward matMuls ran natively');
    assert.ok(now.fusedMatMul > before.fusedMatMul, 'forward fused matMuls ran natively');
  });
}

test('native matMul stays right when its output allocation grows the wasm memory', { skip }, async () => {
  await tf.setBackend('wasm');
  const heap = (): ArrayBufferLike => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer;
  const bytes = heap().byteLength;
  const s = Math.ceil(Math.sqrt(bytes / 4)) + 64; // an [s, s] output larger than the whole heap now
  const f = (): tf.Tensor => tf.sum(tf.matMul(r([s, 1], 1), r([s, 1], 2), false, true), 0);
  const actual = await valuesOn('wasm', f);
  assert.ok(heap().byteLength > bytes, `wasm memory grew (${bytes} -> ${heap().byteLength})`);
  const expected = await valuesOn('cpu', f);
  assert.ok(maxScaledError(actual, expected) < TOLERANCE, `error ${maxScaledError(actual, expected)}`);
});

const LEAK_PATHS: { label: string; inputs: () => tf.Tensor[]; op: (t: tf.Tensor[]) => tf.Tensor }[] = [
  { label: 'matMul tA tB', inputs: () => [r([20, 8], 1), r([30, 20], 2)], op: ([a, b]) => tf.matMul(a, b, true, true) },
  { label: 'matMul fallback', inputs: () => [r([2, 1, 5, 7], 1), r([1, 3, 7, 4], 2)], op: ([a, b]) => tf.matMul(a, b) },
  {
    label: 'fused bias + relu in the native call',
    inputs: () => [r([20, 8], 1), r([6, 20], 2), r([6], 3)],
    op: ([a, b, bias]) => tf.fused.matMul({ a, b, bias, transposeA: true, transposeB: true, activation: 'relu' }),
  },
  {
    label: 'fused Add bias + sigmoid kernels',
    inputs: () => [r([8, 20], 1), r([20, 6], 2), r([8, 1], 3)],
    op: ([a, b, bias]) => tf.fused.matMul({ a, b, bias, activation: 'sigmoid' }),
  },
  {
    label: 'fused prelu',
    inputs: () => [r([3, 8, 20], 1), r([3, 20, 6], 2), r([6], 3), r([6], 4)],
    op: ([a, b, bias, w]) => tf.fused.matMul({ a, b, bias, activation: 'prelu', preluActivationWeights: w }),
  },
];

for (const { label, inputs, op } of LEAK_PATHS) {
  test(`native ${label} leaks no tensor and no wasm buffer`, { skip }, async () => {
    await tf.setBackend('wasm');
    assertNoLeak(inputs, op);
  });
}

test('the addon rejects ranges outside the heap instead of writing there', { skip }, () => {
  const load = loadOpenblas();
  assert.ok(load.ok);
  const heap = new ArrayBuffer(64);
  const call = (cOff: number, m: number): void => load.addon.gemm(heap, 0, 0, cOff, m, 2, 2, 0, 0, 1, 0, 0, 4, -1, 0, 0);
  call(16, 2); // in range: fine
  assert.throws(() => call(56, 2), RangeError);
  assert.throws(() => call(2, 2), RangeError); // misaligned
  assert.throws(() => call(16, 0), RangeError);
  assert.throws(() => load.addon.gemm(new Float32Array(4).buffer, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 1 << 20, 0, 0), RangeError);
});

test('the native patches name themselves, and removing them restores the previous kernels', { skip }, () => {
  assert.equal(openblasMatMulPatch.name, 'openblas-matmul');
  assert.equal(openblasFusedMatMulPatch.name, 'openblas-fused-matmul');
  const mine = tf.getKernel(tf.BatchMatMul, 'wasm');
  const previous = replaced.get(tf.BatchMatMul);
  restore();
  assert.equal(tf.getKernel(tf.BatchMatMul, 'wasm'), previous);
  assert.notEqual(tf.getKernel(tf.BatchMatMul, 'wasm'), mine);
  registerNative();
});

test('with the addon disabled the patches are exactly the wasm ones, under their names', () => {
  // A fresh process: the addon is loaded once per process. execArgv carries tsx when the test runs from source.
  const url = new URL('../../src/backend/openblas-matmul-patch.js', import.meta.url).href;
  const code = [
    `const m = await import(${JSON.stringify(url)});`,
    'console.log(JSON.stringify([m.openblasMatMulPatch.name, m.openblasFusedMatMulPatch.name, m.openblasStatus()]));',
  ].join('\n');
  const text = execFileSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', code], {
    env: { ...process.env, GANYMEDE_OPENBLAS: '0' },
    encoding: 'utf8',
  });
  const [name, fusedName, childStatus] = JSON.parse(text.trim().split('\n').at(-1) ?? '') as [string, string, { ok: boolean; why: string }];
  assert.equal(name, matMulTransposePatch.name);
  assert.equal(fusedName, fusedMatMulPatch.name);
  assert.deepEqual(childStatus, { ok: false, why: 'disabled by GANYMEDE_OPENBLAS=0' });
});
