// No tensor leak on the coordinator: a training step's optimizer update, the sample grid and the ELBO
// evaluation leave tf.memory().numTensors unchanged; the worker's weight updates likewise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/index.js';
import { loadDataset } from '../../src/data/index.js';
import { testElbo } from '../../src/metrics/elbo.js';
import { sampleImages } from '../../src/train/sample.js';
import { MasterState } from '../../coordinator/master.js';
import { ModelReplica } from '../../worker/replica.js';

await initBackend('wasm');
const image = { height: 28, width: 28, channels: 1 };

test('coordinator: update, sample grid and weight sync leak nothing', () => {
  const config = loadConfig(undefined, ['model.gHidden=[32]', 'model.dHidden=[32]']);
  const master = MasterState.fresh(config, image);
  const step = () => {
    for (const phase of ['D', 'G']) master.apply(phase, master.phaseWeights(phase).map((w) => new Float32Array(w.length).fill(0.01)), 1e-3);
    sampleImages(config, master.models(), 64);
  };
  step();
  const before = tf.memory().numTensors;
  const version = master.versions.G;
  step();
  assert.equal(master.versions.G, version + 1);
  assert.equal(tf.memory().numTensors, before);
  master.dispose();
});

test('coordinator: the VAE evaluation leaks nothing', async () => {
  const config = loadConfig(undefined, ['model.family=mlp-vae', 'loss=elbo', 'optimizer={VAE: {lr: 0.001}}', 'model.hidden=[32]']);
  const master = MasterState.fresh(config, image);
  const test = await loadDataset({ source: 'mnist-embedded', split: 'test' });
  testElbo(config, master.models(), test, 0);
  const before = tf.memory().numTensors;
  const elbo = testElbo(config, master.models(), test, 1);
  assert.ok(Number.isFinite(elbo) && elbo < 0);
  assert.equal(tf.memory().numTensors, before);
  master.dispose();
});

test('worker: receiving new weights leaks nothing', () => {
  const config = loadConfig(undefined, ['model.gHidden=[32]', 'model.dHidden=[32]']);
  const master = MasterState.fresh(config, image);
  const replica = new ModelReplica(config);
  replica.setWeights('G', 0, master.wire('G'));
  const before = tf.memory().numTensors;
  replica.setWeights('G', 1, master.wire('G'));
  assert.equal(tf.memory().numTensors, before);
  assert.equal(replica.versions.G, 1);
  replica.dispose();
  master.dispose();
});
