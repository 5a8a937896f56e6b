// --init-from: a new run starts at step 0 from another model's weights (outputs equal the source's on fixed
// inputs, optimizer fresh); strict mismatches fail before any folder exists; --partial between two MLPs that
// share a prefix loads exactly the matching weights and reports the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { loadCheckpoint } from '../../src/checkpoint/index.js';
import { loadConfig } from '../../src/config/index.js';
import { loadDataset } from '../../src/data/index.js';
import { prepareWarmStart } from '../../src/pretrained/init-run.js';
import type { WarmStartReport } from '../../src/pretrained/warm-start.js';
import { MasterState } from '../../coordinator/master.js';
import { runCli, tempDir } from '../integration/cli.js';

await initBackend('wasm');
const root = tempDir('warm');
test.after(() => rmSync(root, { recursive: true, force: true }));
const image = { height: 28, width: 28, channels: 1 };
const small = ['--workers', '1', '--backend', 'wasm', '--set', 'model.dHidden=[32]', '--set', 'train.sampleEvery=1000'];
const source = path.join(root, 'source');

test('the source run trains', { timeout: 120_000 }, async () => {
  const res = await runCli(['train', '--out', source, ...small, '--set', 'train.steps=2', '--set', 'model.gHidden=[32,16]']);
  assert.equal(res.code, 0, res.stderr);
});

test('a warm-started master computes exactly what the source computes, with a fresh optimizer', async () => {
  const config = loadConfig(undefined, ['model.gHidden=[32,16]', 'model.dHidden=[32]']);
  const data = await loadDataset({ source: 'mnist-embedded', split: 'train' });
  const plan = await prepareWarmStart({ initFrom: source }, config, data);
  assert.ok(plan);
  assert.equal(plan.report.skipped.length + plan.report.new.length + plan.report.unused.length, 0);
  const master = MasterState.fresh(config, image);
  const untouched = new Float32Array(master.weights.G.values[0]);
  plan.apply(master.weights);
  assert.notDeepEqual(master.weights.G.values[0], untouched);
  const ckpt = await loadCheckpoint(path.join(source, 'checkpoints', 'step-000002'));
  const z = tf.randomNormal([8, 100], 0, 1, 'float32', 7);
  const x = tf.randomUniform([8, 784], -1, 1, 'float32', 8);
  const nets = master.models();
  assert.deepEqual((nets.G.predict(z) as tf.Tensor).dataSync(), (ckpt.networks.G.predict(z) as tf.Tensor).dataSync());
  assert.deepEqual((nets.D.predict(x) as tf.Tensor).dataSync(), (ckpt.networks.D.predict(x) as tf.Tensor).dataSync());
  for (const adam of Object.values(master.adam)) {
    assert.equal(adam.t, 0);
    assert.ok([...adam.m, ...adam.v].every((a) => a.every((v) => v === 0)));
  }
  tf.dispose([z, x]);
  for (const m of Object.values(ckpt.networks)) m.dispose();
  master.dispose();
});

test('train --init-from starts a new run at step 0 with fresh optimizer state', { timeout: 120_000 }, async () => {
  const warm = path.join(root, 'warm');
  const res = await runCli(['train', '--out', warm, ...small, '--set', 'train.steps=1', '--set', 'model.gHidden=[32,16]', '--init-from', source, '--init', 'G,D']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /warm start from .*: 10 loaded, 0 skipped, 0 new/);
  const ckpt = await loadCheckpoint(path.join(warm, 'checkpoints', 'step-000001'));
  // Adam ran once in this run (fresh state), not 3 times as it would continuing the source.
  assert.deepEqual((ckpt.meta as { adamSteps: Record<string, number> }).adamSteps, { D: 1, G: 1 });
  for (const m of Object.values(ckpt.networks)) m.dispose();
});

test('strict mode names the first mismatches and writes nothing', { timeout: 120_000 }, async () => {
  const out = path.join(root, 'strict');
  const res = await runCli(['train', '--out', out, ...small, '--set', 'train.steps=1', '--set', 'model.gHidden=[32]', '--init-from', source]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /ganymede: --init-from .*do not match: shape mismatch G_out\/kernel: shape \[16,784\] in the source, \[32,784\] here/);
  assert.match(res.stderr, /hint: use --partial/);
  assert.doesNotMatch(res.stderr, /at .*\.js/); // no stack trace
  assert.equal(existsSync(out), false);
});

test('--partial between MLPs sharing a prefix loads exactly the shared weights and reports the rest', { timeout: 120_000 }, async () => {
  const out = path.join(root, 'partial');
  const res = await runCli(['train', '--out', out, ...small, '--set', 'train.steps=1', '--set', 'model.gHidden=[32,24]', '--init-from', source, '--partial']);
  assert.equal(res.code, 0, res.stderr);
  const report = JSON.parse(readFileSync(path.join(out, 'init.json'), 'utf8')) as WarmStartReport;
  assert.deepEqual(report.networks, ['G', 'D']);
  assert.deepEqual(report.loaded.filter((w) => w.startsWith('G')), ['G_fc0/kernel [100,32]', 'G_fc0/bias [32]', 'G_out/bias [784]']);
  assert.equal(report.loaded.filter((w) => w.startsWith('D')).length, 4);
  assert.deepEqual(report.skipped, [
    'G_fc1/kernel: shape [32,16] in the source, [32,24] here',
    'G_fc1/bias: shape [16] in the source, [24] here',
    'G_out/kernel: shape [16,784] in the source, [24,784] here',
  ]);
  assert.deepEqual(report.new, []);
  assert.match(res.stderr, /7 loaded, 3 skipped, 0 new/);
});

test('--partial from a deeper source: the extra layer is reported unused and the new one kept at its init', { timeout: 120_000 }, async () => {
  const config = loadConfig(undefined, ['model.gHidden=[32,16,8]', 'model.dHidden=[32]']);
  const data = await loadDataset({ source: 'mnist-embedded', split: 'train' });
  const plan = await prepareWarmStart({ initFrom: source, init: 'G', partial: true }, config, data);
  assert.ok(plan);
  assert.deepEqual(plan.report.networks, ['G']);
  assert.deepEqual(plan.report.new, ['G_fc2/kernel [16,8]', 'G_fc2/bias [8]']);
  assert.deepEqual(plan.report.skipped, ['G_out/kernel: shape [16,784] in the source, [8,784] here']);
  await assert.rejects(prepareWarmStart({ initFrom: source, init: 'X' }, config, data), /--init X: this model has no network 'X'/);
});
