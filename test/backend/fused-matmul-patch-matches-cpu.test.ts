// The patched wasm _FusedMatMul (matMul + bias + activation) against the cpu backend, where stock wasm is wrong.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend, maxScaledError, valuesOn } from '../../src/backend/index.js';

const TOLERANCE = 1e-4;
const M = 12;
const K = 20;
const N = 9;

type Activation = 'linear' | 'relu' | 'relu6' | 'leakyrelu' | 'prelu' | 'sigmoid' | 'elu';

interface FusedCase {
  batch: number; // 0: rank-2 inputs
  transposeA: boolean;
  transposeB: boolean;
  activation: Activation;
  bias: number[] | null; // bias shape
}

function fused(c: FusedCase): tf.Tensor {
  const lead = c.batch === 0 ? [] : [c.batch];
  const a = tf.randomNormal([...lead, ...(c.transposeA ? [K, M] : [M, K])], 0, 1, 'float32', 1);
  const b = tf.randomNormal([...lead, ...(c.transposeB ? [N, K] : [K, N])], 0, 1, 'float32', 2);
  return tf.fused.matMul({
    a,
    b,
    transposeA: c.transposeA,
    transposeB: c.transposeB,
    bias: c.bias === null ? undefined : tf.randomNormal(c.bias, 0, 1, 'float32', 3),
    activation: c.activation,
    preluActivationWeights: c.activation === 'prelu' ? tf.randomUniform([N], 0, 0.5, 'float32', 4) : undefined,
    leakyreluAlpha: 0.3,
  });
}

const CASES: FusedCase[] = [];
for (const batch of [0, 3]) {
  for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    for (const activation of ['linear', 'relu', 'leakyrelu'] as const) {
      CASES.push({ batch, transposeA, transposeB, activation, bias: [N] });
    }
  }
}
CASES.push(
  { batch: 0, transposeA: false, transposeB: true, activation: 'linear', bias: null },
  { batch: 0, transposeA: true, transposeB: false, activation: 'prelu', bias: [N] },
  { batch: 0, transposeA: false, transposeB: true, activation: 'sigmoid', bias: [N] },
  { batch: 0, transposeA: true, transposeB: true, activation: 'elu', bias: [N] },
  { batch: 0, transposeA: false, transposeB: false, activation: 'relu6', bias: [N] },
  { batch: 3, transposeA: false, transposeB: true, activation: 'prelu', bias: [N] },
  { batch: 0, transposeA: false, transposeB: false, activation: 'relu', bias: [1, N] }, // stock wasm rejects
  { batch: 0, transposeA: true, transposeB: false, activation: 'relu', bias: [M, 1] },
  { batch: 0, transposeA: false, transposeB: false, activation: 'linear', bias: [] },
);

before(async () => {
  await initBackend('wasm');
});

for (const c of CASES) {
  const rank = c.batch === 0 ? 'rank 2' : `batch ${c.batch}`;
  const bias = c.bias === null ? 'no bias' : `bias [${c.bias}]`;
  test(`fused matMul ${rank} tA=${c.transposeA} tB=${c.transposeB} ${c.activation} ${bias} matches cpu`, async () => {
    const expected = await valuesOn('cpu', () => fused(c));
    const actual = await valuesOn('wasm', () => fused(c));
    assert.ok(maxScaledError(actual, expected) < TOLERANCE, `error ${maxScaledError(actual, expected)}`);
  });
}
