// Retention and atomicity: keep the last K, ignore temp folders, never overwrite a checkpoint silently.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { CheckpointError } from '../../src/errors.js';
import { latestCheckpoint, listCheckpoints, loadCheckpoint, saveCheckpoint } from '../../src/checkpoint/index.js';
import type { CheckpointData } from '../../src/checkpoint/index.js';
import { buildMlp, makeData, snapshot, tmpDir, useCpu } from './fixtures.js';

before(useCpu);

const networks = (): CheckpointData['networks'] => ({ G: buildMlp('G', 1) });
const dispose = (d: CheckpointData): void => Object.values(d.networks).forEach((m) => m.dispose());
const steps = (runDir: string): number[] => listCheckpoints(runDir).map((c) => c.step);

async function saveSteps(runDir: string, list: number[], keep?: number): Promise<void> {
  for (const step of list) {
    const data = makeData(step, networks());
    await saveCheckpoint(runDir, data, keep === undefined ? {} : { keep });
    dispose(data);
  }
}

test('keep=2 prunes older checkpoints; the default keeps 3', async () => {
  const runDir = tmpDir();
  await saveSteps(runDir, [10, 20, 30, 40], 2);
  assert.deepEqual(steps(runDir), [30, 40]);
  assert.deepEqual(fs.readdirSync(path.join(runDir, 'checkpoints')).sort(), ['step-000030', 'step-000040']); // no temp left
  const other = tmpDir();
  await saveSteps(other, [1, 2, 3, 4, 5]);
  assert.deepEqual(steps(other), [3, 4, 5]);
});

test('the checkpoint just written is never pruned, even when older than the kept ones', async () => {
  const runDir = tmpDir();
  await saveSteps(runDir, [10, 20], 2);
  await saveSteps(runDir, [5], 2);
  assert.deepEqual(steps(runDir), [5, 10, 20]);
});

test('list and latest sort by step number and ignore temp and foreign folders', async () => {
  const runDir = tmpDir();
  assert.deepEqual(listCheckpoints(runDir), []);
  assert.equal(latestCheckpoint(runDir), undefined);
  await saveSteps(runDir, [9, 1000000, 10], Infinity);
  const root = path.join(runDir, 'checkpoints');
  // What a writer that crashed mid-save leaves behind, plus things that are not checkpoints.
  fs.mkdirSync(path.join(root, '.tmp-step-2000000-4242-abcdef', 'G'), { recursive: true });
  fs.writeFileSync(path.join(root, '.tmp-step-2000000-4242-abcdef', 'G', 'weights.bin'), 'partial');
  fs.mkdirSync(path.join(root, 'step-0000011'));
  fs.mkdirSync(path.join(root, 'notes'));
  fs.writeFileSync(path.join(root, 'step-000012'), 'a file, not a folder');
  assert.deepEqual(steps(runDir), [9, 10, 1000000]);
  assert.equal(latestCheckpoint(runDir), path.join(root, 'step-1000000'));
  // Pruning leaves the temp folder alone too: it may belong to a writer still running.
  await saveSteps(runDir, [1000001], 1);
  assert.deepEqual(steps(runDir), [1000001]);
  assert.ok(fs.existsSync(path.join(root, '.tmp-step-2000000-4242-abcdef')));
  const loaded = await loadCheckpoint(latestCheckpoint(runDir)!);
  assert.equal(loaded.step, 1000001);
  Object.values(loaded.networks).forEach((m) => m.dispose());
});

test('saving over an existing step fails and leaves it untouched', async () => {
  const runDir = tmpDir();
  await saveSteps(runDir, [10]);
  const before = snapshot(runDir);
  const data = makeData(10, { G: buildMlp('G', 99) });
  await assert.rejects(saveCheckpoint(runDir, { ...data, meta: { other: true } }), (err: unknown) => {
    assert.ok(err instanceof CheckpointError);
    assert.match(err.message, /step-000010: already exists; refusing to overwrite it/);
    return true;
  });
  assert.deepEqual(snapshot(runDir), before);
  // With overwrite the new content replaces the old one in one rename.
  await saveCheckpoint(runDir, { ...data, meta: { other: true } }, { overwrite: true });
  const loaded = await loadCheckpoint(path.join(runDir, 'checkpoints', 'step-000010'));
  assert.deepEqual(loaded.meta, { other: true });
  assert.deepEqual(fs.readdirSync(path.join(runDir, 'checkpoints')), ['step-000010']);
  Object.values(loaded.networks).forEach((m) => m.dispose());
  dispose(data);
});

test('a bad keep is refused', async () => {
  const data = makeData(1, networks());
  await assert.rejects(saveCheckpoint(tmpDir(), data, { keep: 0 }), /keep must be a whole number >= 1 or Infinity, got 0/);
  dispose(data);
});
