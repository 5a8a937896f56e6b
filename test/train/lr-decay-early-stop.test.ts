// LR decay formulas against hand-computed values, and early stopping's patience, best step and resumable state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lrDecaySchema, earlyStopSchema } from '../../src/config/techniques.js';
import { decayedLr } from '../../src/train/lr-decay.js';
import { EarlyStopper } from '../../src/train/early-stop.js';

const near = (a: number, b: number) => assert.ok(Math.abs(a - b) <= 1e-15 + 1e-12 * Math.abs(b), `${a} vs ${b}`);

test('step, exponential, linear and cosine decay give the values of their formulas', () => {
  const d = (o: object) => lrDecaySchema.parse(o);
  near(decayedLr(1e-3, d({}), 500, 1000), 1e-3);
  near(decayedLr(1e-3, d({ type: 'step', gamma: 0.5, every: 10 }), 9, 100), 1e-3);
  near(decayedLr(1e-3, d({ type: 'step', gamma: 0.5, every: 10 }), 25, 100), 2.5e-4);
  near(decayedLr(1e-3, d({ type: 'exponential', gamma: 0.9 }), 3, 100), 1e-3 * 0.729);
  near(decayedLr(1e-3, d({ type: 'linear' }), 25, 100), 7.5e-4);
  near(decayedLr(1e-3, d({ type: 'linear' }), 100, 100), 0);
  near(decayedLr(1e-3, d({ type: 'linear', start: 50 }), 75, 100), 5e-4);
  near(decayedLr(1e-3, d({ type: 'linear', start: 50 }), 20, 100), 1e-3);
  near(decayedLr(1e-3, d({ type: 'cosine' }), 50, 100), 5e-4);
  near(decayedLr(1e-3, d({ type: 'cosine', steps: 200 }), 200, 100), 0);
  near(decayedLr(1e-3, d({ type: 'cosine' }), 25, 100), 1e-3 * 0.5 * (1 + Math.SQRT1_2));
});

test('early stopping: stops after `patience` checks without improvement; its state resumes the decision', () => {
  const cfg = earlyStopSchema.parse({ metric: 'loss/G', every: 2, patience: 2, minDelta: 0.01 });
  const series = [5, 3, 2, 2, 1.995, 1.999, 2.5, 2.4, 0]; // check means: 4, 2, 1.997, 2.45 -> stop at step 8
  const run = (stopper: EarlyStopper, from: number) => {
    for (let s = from; s < series.length; s++) {
      const v = stopper.observe(s + 1, { 'loss/G': series[s] });
      if (v.stop) return s + 1;
    }
    return -1;
  };
  const a = new EarlyStopper(cfg);
  assert.equal(run(a, 0), 8);
  assert.equal(a.state.bestStep, 4);
  assert.equal(a.state.best, 2);
  // Stopped at step 4 and resumed from its state: the same decision.
  const b = new EarlyStopper(cfg);
  for (let s = 0; s < 4; s++) b.observe(s + 1, { 'loss/G': series[s] });
  assert.equal(run(new EarlyStopper(cfg, JSON.parse(JSON.stringify(b.state))), 4), 8);
  // Off: never stops. A metric that is never logged: a clear error at the first check.
  assert.equal(run(new EarlyStopper(earlyStopSchema.parse({})), 0), -1);
  const missing = new EarlyStopper(earlyStopSchema.parse({ metric: 'fid/ema', every: 1 }));
  assert.throws(() => missing.observe(1, { 'loss/G': 1 }), /train\.earlyStop\.metric: 'fid\/ema' was not logged/);
});
