// Numerical faults: a NaN gradient from one micro-shard (injected with GANYMEDE_CHAOS_NAN) is reported with
// its shard, step and network; train.onNonFinite: fail stops the run with that message, rollback restores the
// last checkpoint and goes on, ending byte-identical to a run without the fault (the fault was transient).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from './cli.js';
import { weightHashes } from './chaos.js';

const root = tempDir('numerical');
const small = ['--set', 'model.gHidden=[32]', '--set', 'model.dHidden=[32]', '--set', 'train.steps=10', '--set', 'train.microShards=4',
  '--set', 'train.checkpointEvery=3', '--backend', 'wasm', '--workers', '2'];

test('onNonFinite fail: the run stops naming the shard, step and network', { timeout: 120_000 }, async () => {
  const res = await runCli(['train', '--out', path.join(root, 'fail'), ...small], { env: { GANYMEDE_CHAOS_NAN: '4' } });
  assert.equal(res.code, 1, res.stderr.slice(-2000));
  assert.match(res.stderr, /ganymede: non-finite gradient tensor 0 of D in micro-shard \d of step 4 \(D0 round\)/);
  assert.match(res.stderr, /hint: set train.onNonFinite: rollback/);
});

test('onNonFinite rollback: restores the last checkpoint, goes on, and ends byte-identical', { timeout: 180_000 }, async () => {
  const clean = await runCli(['train', '--out', path.join(root, 'clean'), ...small]);
  assert.equal(clean.code, 0, clean.stderr.slice(-2000));
  const run = path.join(root, 'rollback');
  const res = await runCli(['train', '--out', run, ...small, '--set', 'train.onNonFinite=rollback'], { env: { GANYMEDE_CHAOS_NAN: '5:1' } });
  assert.equal(res.code, 0, res.stderr.slice(-2000));
  assert.match(res.stderr, /numerical fault: rolled back/);
  assert.match(res.stderr, /"step":3/);
  assert.deepEqual(weightHashes(run, 10), weightHashes(path.join(root, 'clean'), 10));
});

test('a fault that comes back every time is given up after train.maxRollbacks', { timeout: 180_000 }, async () => {
  // Step 5 is poisoned every time it is computed.
  const res = await runCli(['train', '--out', path.join(root, 'repeat'), ...small, '--set', 'train.onNonFinite=rollback', '--set', 'train.maxRollbacks=1'],
    { env: { GANYMEDE_CHAOS_NAN: '5::always' } });
  assert.equal(res.code, 1, res.stderr.slice(-2000));
  assert.match(res.stderr, /gave up after 1 rollbacks \(train.maxRollbacks\)/);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
