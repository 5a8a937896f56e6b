// Early stopping ends a run after `patience` checks without improvement, keeps the best checkpoint under
// <run>/best/, and still ends with a checkpoint and a sample grid of its last step.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { latestCheckpoint } from '../../src/checkpoint/index.js';
import { loadConfig } from '../../src/config/index.js';
import { tempDir } from './cli.js';
import { trainInProcess } from './in-process.js';

const root = tempDir('early-stop');

test('monitoring a decaying learning rate in max mode: best at the first check, stop after patience 2', { timeout: 120_000 }, async () => {
  // lr/D falls every step (linear decay), so with mode max only the first check improves: a known answer.
  const config = loadConfig(undefined, [
    'backend=wasm', 'train.steps=50', 'train.batchSize=8', 'train.microShards=2', 'model.latentDim=8', 'model.gHidden=[16]',
    'model.dHidden=[16]', 'train.sampleEvery=100', 'train.checkpointEvery=100',
    'optimizer={D: {decay: {type: linear}}, G: {}}', 'train.earlyStop={metric: lr/D, mode: max, every: 2, patience: 2}',
  ]);
  const dir = path.join(root, 'run');
  const result = await trainInProcess(config, 2, dir);
  assert.equal(result.steps, 6); // checks at 2 (best), 4 and 6 (no improvement twice)
  assert.equal(result.bestStep, 2);
  assert.match(latestCheckpoint(path.join(dir, 'best')) ?? '', /step-000002$/);
  assert.match(result.checkpoint, /step-000006$/);
  assert.ok(existsSync(path.join(dir, 'samples', 'step-000006.png')));
  const last = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).at(-1);
  assert.equal(last['earlyStop/bestStep'], 2);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
