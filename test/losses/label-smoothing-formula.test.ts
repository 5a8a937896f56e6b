// One-sided label smoothing and noisy labels change D's loss exactly as their formulas say, and the flips are keyed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { dTargets } from '../../src/train/gan-objectives.js';
import { shardGradients, shardLoss } from '../../src/train/shard-gradients.js';
import { replicaFor, task } from './fixtures.js';

await initBackend('wasm');

/** D's outputs on the shard's real digits, as the D round computes them (data in [-1, 1]). */
function realOutputs(r: ReturnType<typeof replicaFor>, t: ReturnType<typeof task>): number[] {
  return tf.tidy(() => Array.from((r.replica.nets.D.apply(tf.sub(tf.div(tf.tensor2d(t.x!, [t.count, 784], 'float32'), 127.5), 1)) as tf.Tensor).dataSync()));
}

const loss = (r: ReturnType<typeof replicaFor>, t: ReturnType<typeof task>) => tf.tidy(() => shardLoss(r.replica, t).dataSync()[0]);

test('bce-ns: realLabel 0.9 adds exactly 0.1 * sum_i D(x_i) / B to the D loss', () => {
  // t softplus(-l) + (1 - t) softplus(l) = softplus(-l) + (1 - t) l, since softplus(l) - softplus(-l) = l.
  const t = task('D', 'D0', 0, 4);
  const plain = replicaFor();
  const smooth = replicaFor(['gan.realLabel=0.9']);
  const outputs = realOutputs(plain, t);
  const expected = loss(plain, t) + (0.1 * outputs.reduce((a, b) => a + b, 0)) / 8;
  assert.ok(Math.abs(loss(smooth, t) - expected) < 1e-5, `${loss(smooth, t)} vs ${expected}`);
  assert.ok(Math.abs(loss(smooth, t) - loss(plain, t)) > 1e-4, 'smoothing must change the loss on these digits');
  plain.dispose();
  smooth.dispose();
});

test('lsgan: realLabel 0.9 changes each real term 1/2 (l - 1)^2 into 1/2 (l - 0.9)^2', () => {
  const t = task('D', 'D0', 1, 4);
  const plain = replicaFor(['loss=lsgan']);
  const smooth = replicaFor(['loss=lsgan', 'gan.realLabel=0.9']);
  const delta = realOutputs(plain, t).reduce((s, l) => s + 0.5 * (l - 0.9) ** 2 - 0.5 * (l - 1) ** 2, 0) / 8;
  assert.ok(Math.abs(loss(smooth, t) - (loss(plain, t) + delta)) < 1e-5);
  plain.dispose();
  smooth.dispose();
});

test('noisy labels: about p of the targets flip, the same ones on every call, different per shard and step', () => {
  const r = replicaFor(['gan.realLabel=0.9', 'gan.labelFlip=0.2']);
  const config = r.replica.config;
  const big = { ...task('D', 'D0', 0, 4), count: 2000 };
  const targets = dTargets(config, big, 'real')!;
  const values = Array.from(targets.dataSync());
  const flipped = values.filter((v) => v === 0).length;
  assert.ok(values.every((v) => v === 0 || Math.abs(v - 0.9) < 1e-7));
  assert.ok(Math.abs(flipped / 2000 - 0.2) < 0.03, `flipped ${flipped} of 2000`);
  assert.deepEqual(Array.from(dTargets(config, big, 'real')!.dataSync()), values); // keyed: same draw again
  assert.notDeepEqual(Array.from(dTargets(config, { ...big, shard: 1 }, 'real')!.dataSync()), values);
  assert.notDeepEqual(Array.from(dTargets(config, { ...big, step: 4 }, 'real')!.dataSync()), values);
  const fake = Array.from(dTargets(config, big, 'fake')!.dataSync());
  assert.ok(fake.every((v) => v === 0 || Math.abs(v - 0.9) < 1e-7) && fake.some((v) => v !== 0));
  // Off by default: the loss's own targets, no tensor.
  assert.equal(dTargets(replicaFor().replica.config, big, 'real'), undefined);
  // And the D round trains with them.
  const { grads } = shardGradients(r.replica, task('D', 'D0'));
  assert.ok(grads.every((g) => g.every(Number.isFinite)));
  tf.dispose([targets]);
  r.dispose();
});
