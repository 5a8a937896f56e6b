// The coordinator-side techniques: WGAN weight clipping keeps every D weight in [-c, c]; L1/L2 terms and gradient-norm
// clipping change the gradient exactly as their formulas say; the EMA of G follows its recurrence, is saved in
// checkpoints, restored exactly, and is what the sample grids draw from; none of it leaks tensors.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/checkpoint/index.js';
import { loadConfig } from '../../src/config/index.js';
import { KeyedRandom } from '../../src/rng.js';
import { regularizeGradients } from '../../src/train/regularize.js';
import { sampleImages } from '../../src/train/sample.js';
import { EMA_NET, MasterState } from '../../coordinator/master.js';

await initBackend('wasm');
const image = { height: 28, width: 28, channels: 1 };
const small = ['model.latentDim=8', 'model.gHidden=[16]', 'model.dHidden=[16]'];
const randomGrads = (sizes: Float32Array[], key: string) => sizes.map((w, i) => new KeyedRandom('grads', key, i).normal(w.length));

test('weight clipping: after a D update every D weight lies in [-c, c], and G is untouched', () => {
  const config = loadConfig(undefined, [...small, 'loss=wasserstein', 'gan.weightClip=0.01']);
  const master = MasterState.fresh(config, image);
  assert.ok(master.weights.D.values.some((w) => w.some((v) => Math.abs(v) > 0.01)), 'initial D weights exceed c');
  const g0 = master.weights.G.values.map((w) => w.slice());
  for (let k = 0; k < 3; k++) {
    master.apply('D', randomGrads(master.phaseWeights('D'), `D${k}`), 0.05, k);
    const all = master.weights.D.values.flatMap((w) => Array.from(w));
    assert.ok(all.every((v) => v >= -0.01 && v <= 0.01), `a D weight outside [-0.01, 0.01] after update ${k}`);
    assert.ok(all.some((v) => Math.abs(v) === Math.fround(0.01)), 'clipping should bind somewhere');
  }
  master.weights.G.values.forEach((w, i) => assert.deepEqual(w, g0[i]));
  master.dispose();
});

test('L1/L2 add l1 sign(w) + l2 w to the gradient; clipNorm rescales to the norm and keeps the direction', () => {
  const w = [Float32Array.from([0.5, -2, 0]), Float32Array.from([3])];
  const g = [Float32Array.from([1, 1, 1]), Float32Array.from([-1])];
  const norm = regularizeGradients(w, g, { l1: 0.1, l2: 0.01, clipNorm: 0 });
  assert.deepEqual(Array.from(g[0]), [1 + 0.1 + 0.005, 1 - 0.1 - 0.02, 1].map(Math.fround));
  assert.deepEqual(Array.from(g[1]), [Math.fround(-1 + 0.1 + 0.03)]);
  assert.ok(Math.abs(norm - Math.hypot(...g[0], ...g[1])) < 1e-6);
  const h = [Float32Array.from([3, 4])];
  const before = regularizeGradients([new Float32Array(2)], h, { l1: 0, l2: 0, clipNorm: 1 });
  assert.equal(before, 5);
  assert.ok(Math.abs(Math.hypot(...h[0]) - 1) < 1e-5 && Math.abs(h[0][0] / h[0][1] - 0.75) < 1e-6);
  const small2 = [Float32Array.from([0.3, 0.4])];
  regularizeGradients([new Float32Array(2)], small2, { l1: 0, l2: 0, clipNorm: 1 });
  assert.deepEqual(Array.from(small2[0]), [0.3, 0.4].map(Math.fround)); // under the limit: unchanged
});

test('EMA of G: copies G before start, then ema = d ema + (1 - d) w; checkpointed, restored exactly, sampled from', async () => {
  const config = loadConfig(undefined, [...small, 'train.ema.decay=0.5', 'train.ema.start=1']);
  const master = MasterState.fresh(config, image);
  const ema = () => master.ema!.weights.values.map((v) => v.slice());
  master.apply('G', randomGrads(master.phaseWeights('G'), 'G0'), 0.01, 0);
  master.weights.G.values.forEach((w, i) => assert.deepEqual(ema()[i], w)); // step 0 < start: a copy
  const prev = ema();
  master.apply('G', randomGrads(master.phaseWeights('G'), 'G1'), 0.01, 1);
  master.weights.G.values.forEach((w, i) => {
    const expected = prev[i].map((e, j) => Math.fround(0.5 * e + 0.5 * w[j]));
    assert.deepEqual(ema()[i], expected);
    assert.notDeepEqual(ema()[i], w);
  });
  // Samples come from the EMA network, not from G.
  const fromEma = sampleImages(config, master.sampleNets(), 4);
  const fromG = sampleImages(config, master.models(), 4);
  assert.notDeepEqual(fromEma, fromG);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ganymede-ema-'));
  try {
    await saveCheckpoint(dir, master.checkpoint(2, { round: 2 }));
    const loaded = await loadCheckpoint(path.join(dir, 'checkpoints', 'step-000002'));
    assert.ok(loaded.networks[EMA_NET], 'the checkpoint holds G_ema');
    const restored = MasterState.restore(config, image, loaded);
    restored.ema!.weights.values.forEach((v, i) => assert.deepEqual(v, ema()[i]));
    assert.deepEqual(sampleImages(config, restored.sampleNets(), 4), fromEma);
    Object.values(loaded.networks).forEach((n) => n.dispose());
    restored.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // No leak in the EMA path: update, sync and sample.
  const step = () => {
    master.apply('G', randomGrads(master.phaseWeights('G'), 'G2'), 0.01, 3);
    sampleImages(config, master.sampleNets(), 4);
  };
  step();
  const tensors = tf.memory().numTensors;
  step();
  assert.equal(tf.memory().numTensors, tensors);
  master.dispose();
});
