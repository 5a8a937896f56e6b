// configs/progan.yaml end to end at toy size through real coordinator and worker processes on real digits:
// 1 and 3 workers are byte-identical through the 7 -> 14 transition, the checkpoints record the stage, and a
// run stopped mid-fade and resumed with 2 workers goes on byte-identical to the uninterrupted 1-worker run
// through the end of the fade and the 14 -> 28 transition (with its batch size change).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { manifestHashes, runCli, tempDir } from './cli.js';

const root = tempDir('progan');
// 7x7 for 2 steps; 14x14 fades in over steps 2-5 (alpha 0, 1/4, 1/2, 3/4), stable 6-7; 28x28 fades in over
// steps 8-9 at batch size 16 (alpha 0, 1/2).
const TOY = ['--backend', 'wasm', '--set', 'seed=5', '--set', 'train.steps=10', '--set', 'train.batchSize=8', '--set', 'train.microShards=4',
  '--set', 'model.channels=[6,5,4]', '--set', 'model.latentDim=8', '--set', 'train.checkpointEvery=4', '--set', 'train.sampleEvery=5',
  '--set', 'stages=[{resolution: 7, stableImages: 16}, {resolution: 14, fadeImages: 32, stableImages: 16}, {resolution: 28, fadeImages: 32, batchSize: 16}]'];
const FILES = ['G/weights.bin', 'D/weights.bin', 'adam-D.bin', 'adam-G.bin'];

async function train(name: string, workers: number, extra: string[] = []): Promise<string> {
  const out = path.join(root, name);
  const res = await runCli(['train', '--config', 'configs/progan.yaml', '--out', out, '--workers', String(workers), ...TOY, ...extra]);
  assert.equal(res.code, 0, `progan with ${workers} workers failed:\n${res.stderr.slice(-3000)}`);
  return out;
}

const hashes = (run: string, step: number) => manifestHashes(path.join(run, 'checkpoints', `step-${String(step).padStart(6, '0')}`));

test('progan: 1 and 3 workers byte-identical through the stage transitions; resume mid-fade continues exactly', { timeout: 600_000 }, async () => {
  const one = await train('w1', 1);
  const metrics = readFileSync(path.join(one, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  assert.deepEqual(metrics.map((m) => [m['stage/resolution'], m['stage/alpha'], m['stage/batchSize']]), [
    [7, 1, 8], [7, 1, 8], [14, 0, 8], [14, 0.25, 8], [14, 0.5, 8], [14, 0.75, 8], [14, 1, 8], [14, 1, 8], [28, 0, 16], [28, 0.5, 16],
  ]);
  assert.ok(metrics.every((m) => Object.values(m).every(Number.isFinite)));
  // 3 workers, stopped after step 5 (mid-fade at 14x14): byte-identical to 1 worker at the step-4 checkpoint, which
  // records the stage it was taken at.
  const part = await train('w3-part', 3, ['--set', 'train.steps=5']);
  for (const f of FILES) assert.equal(hashes(part, 4)[f], hashes(one, 4)[f], `3 workers, step 4: ${f}`);
  const meta = JSON.parse(readFileSync(path.join(part, 'checkpoints', 'step-000004', 'meta.json'), 'utf8')) as { meta: { growth: unknown } };
  assert.deepEqual(meta.meta.growth, { resolution: 14, fading: true });
  // Resumed from step 5 (alpha 3/4) with 2 workers through the end of the fade and the 28x28 transition.
  const resumed = await runCli(['train', '--resume', part, '--set', 'train.steps=10', '--workers', '2']);
  assert.equal(resumed.code, 0, resumed.stderr.slice(-3000));
  for (const step of [8, 10]) for (const f of FILES) assert.equal(hashes(part, step)[f], hashes(one, step)[f], `resumed, step ${step}: ${f}`);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
