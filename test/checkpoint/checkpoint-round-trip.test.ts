// saveCheckpoint + loadCheckpoint: networks, state, meta and config come back bit for bit, with no tensor leak.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { CheckpointError } from '../../src/errors.js';
import { checkpointDirName, loadCheckpoint, saveCheckpoint, verifyCheckpoint } from '../../src/checkpoint/index.js';
import { arrayBytes, makeData, makeState, predictBytes, snapshot, tmpDir, useCpu, weightBytes } from './fixtures.js';

before(useCpu);

test('checkpointDirName pads the step to 6 digits', () => {
  assert.equal(checkpointDirName(42), 'step-000042');
  assert.equal(checkpointDirName(0), 'step-000000');
  assert.equal(checkpointDirName(1234567), 'step-1234567');
  assert.throws(() => checkpointDirName(-1), CheckpointError);
  assert.throws(() => checkpointDirName(1.5), CheckpointError);
});

test('a saved checkpoint has the documented layout and a manifest of every other file', async () => {
  const runDir = tmpDir();
  const data = makeData(10);
  const dir = await saveCheckpoint(runDir, data);
  assert.equal(dir, path.join(runDir, 'checkpoints', 'step-000010'));
  const files = fs.readdirSync(dir, { recursive: true }).map(String).sort();
  const expected = ['D', 'D/model.json', 'D/weights.bin', 'G', 'G/model.json', 'G/weights.bin', 'config.json', 'manifest.json', 'meta.json', 'optimizer-D.bin', 'optimizer-G.bin', 'state.json'];
  assert.deepEqual(files, expected.map((f) => f.split('/').join(path.sep)).sort());
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    format: string; version: number; step: number; files: { path: string; size: number; sha256: string }[];
  };
  assert.equal(manifest.format, 'ganymede-checkpoint');
  assert.equal(manifest.version, 1);
  assert.equal(manifest.step, 10);
  assert.deepEqual(manifest.files.map((f) => f.path), expected.filter((f) => f.includes('.') && f !== 'manifest.json').sort());
  for (const f of manifest.files) {
    assert.equal(f.size, fs.statSync(path.join(dir, f.path)).size, f.path);
    assert.match(f.sha256, /^[0-9a-f]{64}$/);
  }
  // The state file holds nothing but the numbers.
  assert.equal(fs.statSync(path.join(dir, 'optimizer-G.bin')).size, (32 + 8 + 1) * 4);
  await verifyCheckpoint(dir);
  Object.values(data.networks).forEach((m) => m.dispose());
});

test('loading gives back bit-identical networks, state, meta and config, and changes nothing', async () => {
  const runDir = tmpDir();
  const data = makeData(10);
  const dir = await saveCheckpoint(runDir, data);
  const before = snapshot(runDir);
  const loaded = await loadCheckpoint(dir, { expectConfig: data.config });
  assert.deepEqual(snapshot(runDir), before);

  assert.equal(loaded.dir, dir);
  assert.equal(loaded.step, 10);
  assert.deepEqual(loaded.config, data.config);
  assert.deepEqual(loaded.meta, data.meta);
  assert.deepEqual(Object.keys(loaded.networks).sort(), ['D', 'G']);
  for (const name of ['G', 'D']) {
    assert.deepEqual(await weightBytes(loaded.networks[name]!), await weightBytes(data.networks[name]!), name);
  }
  assert.deepEqual(predictBytes(loaded.networks.G!), predictBytes(data.networks.G!));
  assert.deepEqual(predictBytes(loaded.networks.D!, 3), predictBytes(data.networks.D!, 3));

  const state = makeState();
  assert.deepEqual(Object.keys(loaded.state).sort(), Object.keys(state).sort());
  for (const key of Object.keys(state)) {
    const [got, want] = [loaded.state[key]!, state[key]!];
    assert.deepEqual(got.map((a) => [a.name, a.shape]), want.map((a) => [a.name, a.shape]));
    got.forEach((a, i) => {
      assert.ok(a.data instanceof Float32Array);
      assert.deepEqual(arrayBytes(a), arrayBytes(want[i]!), `${key}/${a.name}`); // NaN, -0 and subnormals too
    });
  }
  Object.values(loaded.networks).forEach((m) => m.dispose());
  Object.values(data.networks).forEach((m) => m.dispose());
});

test('save + load + dispose leaves no tensor behind', async () => {
  const runDir = tmpDir();
  const data = makeData(3);
  const before = tf.memory().numTensors;
  const dir = await saveCheckpoint(runDir, data);
  const loaded = await loadCheckpoint(dir);
  Object.values(loaded.networks).forEach((m) => m.dispose());
  assert.equal(tf.memory().numTensors, before);
  Object.values(data.networks).forEach((m) => m.dispose());
});

test('meta or config that JSON cannot hold exactly is refused before anything is written', async () => {
  const runDir = tmpDir();
  const data = makeData(4);
  await assert.rejects(saveCheckpoint(runDir, { ...data, meta: { loss: { D: NaN } } }), (err: unknown) => {
    assert.ok(err instanceof CheckpointError);
    assert.match(err.message, /meta\.loss\.D: NaN cannot be stored in JSON/);
    return true;
  });
  await assert.rejects(saveCheckpoint(runDir, { ...data, meta: { rng: new Uint32Array(4) } }), /meta\.rng: a Uint32Array is not a plain JSON object/);
  await assert.rejects(saveCheckpoint(runDir, { ...data, state: { 'bad/key': [] } }), /state key "bad\/key"/);
  const badShape = { 'optimizer-G': [{ name: 'm', shape: [2, 3], data: new Float32Array(5) }] };
  await assert.rejects(saveCheckpoint(runDir, { ...data, state: badShape }), /shape \[2, 3\] needs 6 values, data has 5/);
  assert.deepEqual(fs.readdirSync(path.join(runDir, 'checkpoints')), []); // temp folders cleaned up
  Object.values(data.networks).forEach((m) => m.dispose());
});
