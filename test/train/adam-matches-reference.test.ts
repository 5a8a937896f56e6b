import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adamInit, adamStep } from '../../src/train/adam.js';

test('Adam matches a float64 reference of PyTorch\'s update rule', () => {
  const cfg = { type: 'adam' as const, lr: 0.01, beta1: 0.5, beta2: 0.999, eps: 1e-8 };
  const w = [Float32Array.from([0.5, -1, 2])];
  const ref = [0.5, -1, 2];
  const m = [0, 0, 0];
  const v = [0, 0, 0];
  const state = adamInit([3]);
  for (let t = 1; t <= 20; t++) {
    const g = ref.map((x) => 2 * x - 0.3 * t); // gradient of some moving quadratic
    adamStep(w, [Float32Array.from(g)], state, cfg);
    for (let i = 0; i < 3; i++) {
      m[i] = cfg.beta1 * m[i] + (1 - cfg.beta1) * g[i];
      v[i] = cfg.beta2 * v[i] + (1 - cfg.beta2) * g[i] * g[i];
      ref[i] -= ((cfg.lr / (1 - cfg.beta1 ** t)) * m[i]) / (Math.sqrt(v[i]) / Math.sqrt(1 - cfg.beta2 ** t) + cfg.eps);
    }
  }
  assert.equal(state.t, 20);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(w[0][i] - ref[i]) < 1e-5, `w[${i}] ${w[0][i]} vs ${ref[i]}`);
});

test('a gradient of the wrong size is an error', () => {
  const cfg = { type: 'adam' as const, lr: 0.01, beta1: 0.5, beta2: 0.999, eps: 1e-8 };
  assert.throws(() => adamStep([new Float32Array(3)], [new Float32Array(2)], adamInit([3]), cfg), /2 values/);
});
