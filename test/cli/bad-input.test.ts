// Bad input gets one clear line, a non-zero exit, no stack trace without --verbose, and leaves every existing
// run folder exactly as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCli, tempDir } from '../integration/cli.js';

const root = tempDir('bad-input');
test.after(() => rmSync(root, { recursive: true, force: true }));
const tiny = ['--set', 'model.gHidden=[16]', '--set', 'model.dHidden=[16]', '--set', 'train.steps=2', '--workers', '1', '--backend', 'wasm'];

/** SHA-256 of every file under a folder, by relative path. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[path.relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function assertClearError(res: { code: number | null; stderr: string }, pattern: RegExp) {
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, pattern);
  assert.doesNotMatch(res.stderr, /\n\s+at /, `stack trace printed:\n${res.stderr}`);
  const errorLines = res.stderr.split('\n').filter((l) => l.startsWith('ganymede:'));
  assert.equal(errorLines.length, 1, res.stderr);
}

const existing = path.join(root, 'existing');
let before: Record<string, string>;

test('a finished tiny run to protect', { timeout: 120_000 }, async () => {
  const res = await runCli(['train', '--out', existing, ...tiny]);
  assert.equal(res.code, 0, res.stderr);
  before = snapshot(existing);
  assert.ok(before['checkpoints/step-000002/G/weights.bin']);
});

test('an unknown config key', async () => {
  const out = path.join(root, 'unknown-key');
  assertClearError(await runCli(['train', '--out', out, '--set', 'train.bogus=1']), /unknown key train\.bogus/);
  assert.ok(!existsSync(out), 'no run folder is created');
});

test('an unknown key in a YAML file names the file', async () => {
  const file = path.join(root, 'bad.yaml');
  writeFileSync(file, 'model:\n  family: mlp-gan\n  depth: 3\n');
  assertClearError(await runCli(['train', '--config', file, '--out', path.join(root, 'x')]), /bad\.yaml: unknown key model\.depth/);
});

test('--workers 0', async () => {
  assertClearError(await runCli(['train', '--workers', '0', '--out', path.join(root, 'w0')]), /--workers 0/);
});

test('a batch not divisible by the micro-shards', async () => {
  assertClearError(await runCli(['train', '--set', 'train.batchSize=60', '--set', 'train.microShards=8', '--out', path.join(root, 'b60')]), /batchSize 60 is not divisible by train\.microShards 8/);
});

test('a backend that is not installed', async () => {
  const out = path.join(root, 'gpu');
  assertClearError(await runCli(['train', '--backend', 'tensorflow-gpu', '--out', out]), /backend 'tensorflow-gpu' is unavailable: @tensorflow\/tfjs-node-gpu not installed/);
  assert.ok(!existsSync(out), 'no run folder is created');
});

test('a corrupt IDX file names the file', async () => {
  const dir = path.join(root, 'idx');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(Buffer.from([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3])));
  writeFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 1, 2])));
  const out = path.join(root, 'idx-run');
  assertClearError(await runCli(['train', '--out', out, '--set', 'data.source=mnist', '--set', `data.dir=${dir}`]), /train-images-idx3-ubyte\.gz.*truncated/);
  assert.ok(!existsSync(out), 'no run folder is created');
});

test('training into an existing run folder is refused and changes nothing', async () => {
  assertClearError(await runCli(['train', '--out', existing, ...tiny]), /already holds a run/);
  assert.deepEqual(snapshot(existing), before);
});

test('changing a result-deciding key on resume is refused and changes nothing', async () => {
  assertClearError(await runCli(['train', '--resume', existing, '--set', 'seed=5']), /cannot change when resuming/);
  assert.deepEqual(snapshot(existing), before);
});

test('a truncated checkpoint names the file and changes nothing', async () => {
  const weights = path.join(existing, 'checkpoints', 'step-000002', 'G', 'weights.bin');
  const size = statSync(weights).size;
  truncateSync(weights, size - 100);
  const after = snapshot(existing);
  const res = await runCli(['train', '--resume', existing, '--set', 'train.steps=4']);
  assertClearError(res, /G\/weights\.bin: truncated/);
  assert.deepEqual(snapshot(existing), after);
  // --verbose adds the stack.
  const verbose = await runCli(['train', '--resume', existing, '--set', 'train.steps=4', '--verbose']);
  assert.match(verbose.stderr, /\n\s+at /);
});
