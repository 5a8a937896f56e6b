// Loading verifies the manifest: missing, truncated or altered files are CheckpointErrors naming the file.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { CheckpointError } from '../../src/errors.js';
import { loadCheckpoint, saveCheckpoint, verifyCheckpoint } from '../../src/checkpoint/index.js';
import { makeData, snapshot, tmpDir, useCpu } from './fixtures.js';

before(useCpu);

/** A fresh checkpoint at step 10 in its own run dir. */
async function freshCheckpoint(): Promise<string> {
  const data = makeData(10);
  const dir = await saveCheckpoint(tmpDir(), data);
  Object.values(data.networks).forEach((m) => m.dispose());
  return dir;
}

/** Asserts that both verify and load reject `dir` with a CheckpointError matching `pattern`, changing nothing. */
async function assertRejected(dir: string, pattern: RegExp): Promise<void> {
  const before = snapshot(dir);
  const check = (err: unknown): boolean => {
    assert.ok(err instanceof CheckpointError, `not a CheckpointError: ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  };
  await assert.rejects(verifyCheckpoint(dir), check);
  await assert.rejects(loadCheckpoint(dir), check);
  assert.deepEqual(snapshot(dir), before);
}

test('a truncated weights file names the file and both sizes', async () => {
  const dir = await freshCheckpoint();
  const file = path.join(dir, 'G', 'weights.bin');
  const size = fs.statSync(file).size;
  fs.truncateSync(file, 100);
  await assertRejected(dir, new RegExp(`checkpoints[/\\\\]step-000010[/\\\\]G[/\\\\]weights\\.bin: truncated: 100 of ${size} bytes`));
});

test('one flipped byte is caught by the hash', async () => {
  const dir = await freshCheckpoint();
  const file = path.join(dir, 'optimizer-G.bin');
  const bytes = fs.readFileSync(file);
  bytes[17] = bytes[17]! ^ 0x01;
  fs.writeFileSync(file, bytes);
  await assertRejected(dir, /optimizer-G\.bin: altered: sha256 [0-9a-f]{16}\.\.\. does not match the manifest's [0-9a-f]{16}\.\.\./);
});

test('a flipped byte in model.json is caught too', async () => {
  const dir = await freshCheckpoint();
  const file = path.join(dir, 'D', 'model.json');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"units": 8', '"units": 9'));
  await assertRejected(dir, /D[/\\]model\.json: altered/);
});

test('a file that grew is reported as too long', async () => {
  const dir = await freshCheckpoint();
  fs.appendFileSync(path.join(dir, 'meta.json'), ' ');
  await assertRejected(dir, /meta\.json: too long: \d+ of \d+ bytes/);
});

test('a missing file is named', async () => {
  const dir = await freshCheckpoint();
  fs.rmSync(path.join(dir, 'D', 'weights.bin'));
  await assertRejected(dir, /D[/\\]weights\.bin: missing \(listed in manifest\.json\)/);
});

test('a missing manifest means an incomplete checkpoint', async () => {
  const dir = await freshCheckpoint();
  fs.rmSync(path.join(dir, 'manifest.json'));
  await assertRejected(dir, /manifest\.json: missing: not a complete checkpoint/);
});

test('a corrupt or malformed manifest is a clear error', async () => {
  const dir = await freshCheckpoint();
  const file = path.join(dir, 'manifest.json');
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.slice(0, 50));
  await assertRejected(dir, /manifest\.json: not valid JSON/);
  fs.writeFileSync(file, text.replace('"version": 1', '"version": 2'));
  await assertRejected(dir, /manifest\.json: format version 2, this build reads version 1/);
  fs.writeFileSync(file, text.replace(/"sha256": "[0-9a-f]+"/, '"sha256": "xyz"'));
  await assertRejected(dir, /manifest\.json: malformed: files\.0\.sha256: expected 64 lowercase hex digits/);
  fs.writeFileSync(file, text.replace('"path": "D/model.json"', '"path": "../D/model.json"'));
  await assertRejected(dir, /manifest\.json: bad file path "\.\.\/D\/model\.json"/);
});

test('a folder that does not exist is a CheckpointError', async () => {
  await assertRejected(tmpDir(), /manifest\.json: missing/);
  await assert.rejects(loadCheckpoint(path.join(tmpDir(), 'nope')), (err: unknown) => err instanceof CheckpointError && /no such checkpoint folder/.test(err.message));
});
