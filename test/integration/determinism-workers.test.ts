// DESIGN.md §3: the same config and seed give byte-identical weights with 1, 2 and 3 workers, and when the
// run is checkpointed at step 10 and resumed. Real processes, real ZeroMQ sockets, real MNIST digits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { manifestHashes, runCli, tempDir } from './cli.js';

const root = tempDir('determinism');
const common = ['--set', 'train.steps=20', '--set', 'train.batchSize=64', '--set', 'train.microShards=8', '--set', 'seed=7',
  '--set', 'train.sampleEvery=10', '--set', 'train.checkpointEvery=10', '--backend', 'wasm'];

async function train(name: string, extra: string[]): Promise<string> {
  const out = path.join(root, name);
  const res = await runCli(['train', '--out', out, ...common, ...extra]);
  assert.equal(res.code, 0, `train ${name} failed:\n${res.stderr.slice(-3000)}`);
  return out;
}

function weightHashes(run: string, step: number): Record<string, string> {
  const h = manifestHashes(path.join(run, 'checkpoints', `step-${String(step).padStart(6, '0')}`));
  return { G: h['G/weights.bin'], D: h['D/weights.bin'], adamD: h['adam-D.bin'], adamG: h['adam-G.bin'] };
}

test('1, 2 and 3 workers end with byte-identical G and D weights', { timeout: 600_000 }, async () => {
  const one = await train('w1', ['--workers', '1']);
  const two = await train('w2', ['--workers', '2']);
  const three = await train('w3', ['--workers', '3']);
  const reference = weightHashes(one, 20);
  assert.match(reference.G, /^[0-9a-f]{64}$/);
  assert.deepEqual(weightHashes(two, 20), reference);
  assert.deepEqual(weightHashes(three, 20), reference);
  // Training moved the weights: step 10 differs from step 20.
  assert.notEqual(weightHashes(one, 10).G, reference.G);
  // The run folder holds what DESIGN.md §9 promises.
  for (const f of ['config.yaml', 'metrics.jsonl', 'samples/step-000020.png']) assert.ok(existsSync(path.join(two, f)), f);
  const lines = readFileSync(path.join(two, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 20);
  assert.ok(lines.every((l) => Number.isFinite(l['loss/D']) && Number.isFinite(l['loss/G'])));
  // The same seed also gives the same losses, worker count notwithstanding.
  const lines3 = readFileSync(path.join(three, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines3.map((l) => l['loss/D']), lines.map((l) => l['loss/D']));
});

test('a run checkpointed at step 10 and resumed ends byte-identical to the uninterrupted run', { timeout: 600_000 }, async () => {
  const full = path.join(root, 'w2');
  const reference = existsSync(full) ? weightHashes(full, 20) : weightHashes(await train('w2b', ['--workers', '2']), 20);
  const part = await train('part', ['--workers', '2', '--set', 'train.steps=10']);
  const resumed = await runCli(['train', '--resume', part, '--set', 'train.steps=20', '--workers', '3']);
  assert.equal(resumed.code, 0, resumed.stderr.slice(-3000));
  assert.deepEqual(weightHashes(part, 20), reference);
  const steps = readFileSync(path.join(part, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
  assert.deepEqual(steps, Array.from({ length: 20 }, (_, i) => i + 1));
});

test.after(() => rmSync(root, { recursive: true, force: true }));
