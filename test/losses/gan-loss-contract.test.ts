// The contract suite every GAN loss passes (STYLE.md "contract tests run against every implementation"): finite
// values, sign conventions, known values on hand-computed inputs, gradients reaching every trainable variable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { GAN_LOSSES, LOSSES } from '../../src/losses/index.js';
import { shardGradients } from '../../src/train/shard-gradients.js';
import { replicaFor, task } from './fixtures.js';

await initBackend('wasm');

// D outputs real [2, -1], fake [0.5, -3]; sums by hand (softplus(x) = log(1 + e^x)).
const KNOWN: Record<string, { dReal: number; dFake: number; g: number }> = {
  'bce-ns': { dReal: 1.4401896985611953, dFake: 1.0226643357538487, g: 3.5226643357538485 },
  minimax: { dReal: 1.4401896985611953, dFake: 1.0226643357538487, g: -1.0226643357538487 },
  lsgan: { dReal: 0.5 * (1 + 4), dFake: 0.5 * (0.25 + 9), g: 0.5 * (0.25 + 16) },
  hinge: { dReal: 0 + 2, dFake: 1.5 + 0, g: -(0.5 - 3) },
  wasserstein: { dReal: -(2 - 1), dFake: 0.5 - 3, g: -(0.5 - 3) },
};

const value = (t: tf.Scalar) => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

test('every GAN loss of the registry has an implementation and a known-values row, and nothing else does', () => {
  const registered = LOSSES.filter((l) => l.kind === 'gan').map((l) => l.name).sort();
  assert.deepEqual(GAN_LOSSES.map((l) => l.name).sort(), registered);
  assert.deepEqual(Object.keys(KNOWN).sort(), registered);
});

for (const loss of GAN_LOSSES) {
  test(`${loss.name}: known values on hand-computed inputs`, () => {
    const real = tf.tensor2d([2, -1], [2, 1]);
    const fake = tf.tensor2d([0.5, -3], [2, 1]);
    const k = KNOWN[loss.name];
    assert.ok(Math.abs(value(loss.dReal(real)) - k.dReal) < 1e-5, 'dReal');
    assert.ok(Math.abs(value(loss.dFake(fake)) - k.dFake) < 1e-5, 'dFake');
    assert.ok(Math.abs(value(loss.g(fake)) - k.g) < 1e-5, 'g');
    tf.dispose([real, fake]);
  });

  test(`${loss.name}: finite on extreme outputs; where D is wrong it pushes real up and fake down, and G pushes fake up`, () => {
    const out = tf.tensor2d([-80, -5, -0.3, 0, 0.4, 6, 80], [7, 1]);
    for (const part of [loss.dReal(out), loss.dFake(out), loss.g(out)]) assert.ok(Number.isFinite(value(part)));
    const [dReal, dFake, g] = [loss.dReal, loss.dFake, loss.g].map((f) => Array.from(tf.grad((o: tf.Tensor) => f(o))(out).dataSync()));
    // Wrong side: real outputs <= 0 (D doubts real data), fake outputs >= 0.4 (D believes fakes), G's fakes <= 0.4.
    dReal.slice(0, 4).forEach((v) => assert.ok(v < 0, `dReal/dout must be < 0 on real outputs <= 0: ${dReal}`));
    dFake.slice(4).forEach((v) => assert.ok(v > 0, `dFake/dout must be > 0 on fake outputs >= 0.4: ${dFake}`));
    g.slice(0, 5).forEach((v) => assert.ok(v < 0, `dG/dout must be < 0 on fake outputs <= 0.4: ${g}`));
    // Everywhere except LSGAN, which also pulls overshooting outputs back to its targets by design (Mao et al.).
    if (loss.name !== 'lsgan') {
      assert.ok(dReal.every((v) => v <= 0) && dFake.every((v) => v >= 0) && g.every((v) => v <= 0), loss.name);
    }
    out.dispose();
  });

  test(`${loss.name}: a D and a G round give a non-zero finite gradient to every trainable variable`, () => {
    const r = replicaFor([`loss=${loss.name}`]);
    for (const [phase, tag] of [['D', 'D0'], ['G', 'G']]) {
      const { grads, stats } = shardGradients(r.replica, task(phase, tag));
      assert.equal(grads.length, r.replica.nets[phase].trainableWeights.length);
      grads.forEach((g, i) => {
        const name = r.replica.nets[phase].weights[i].originalName;
        assert.ok(g.every(Number.isFinite), `${phase} grad ${i} not finite`);
        // D's output bias shifts real and fake scores alike: in the linear losses its gradient cancels exactly
        // (Wasserstein: -B + B; hinge while no margin is met). It is still on the tape (shardGradients read it).
        if (phase === 'D' && name === 'D_out/bias' && (loss.name === 'wasserstein' || loss.name === 'hinge')) return;
        assert.ok(g.some((v) => v !== 0), `${phase} grad ${i} (${name}) is all zero`);
      });
      assert.ok(Number.isFinite(stats[`loss/${phase}`]));
    }
    r.dispose();
  });
}
