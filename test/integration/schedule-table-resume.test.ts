// n_critic 5 with TTUR and linear decay: the rounds and learning rates the coordinator runs for 12 steps equal a
// hand-written table, and a run interrupted in the middle of a D-run (after D2 of step 7) and resumed from its
// last checkpoint continues the table exactly and ends byte-identical to the uninterrupted run.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { schedule } from '../../src/train/schedule.js';
import { manifestHashes, tempDir } from './cli.js';
import { trainInProcess } from './in-process.js';

const SETS = [
  'backend=wasm', 'train.steps=12', 'train.batchSize=8', 'train.microShards=2', 'train.nCritic=5', 'train.checkpointEvery=3',
  'train.sampleEvery=100', 'model.latentDim=8', 'model.gHidden=[16]', 'model.dHidden=[16]', 'loss=wasserstein', 'gan.gp=10',
  'optimizer={D: {lr: 0.0004, beta1: 0, beta2: 0.9, decay: {type: linear}}, G: {lr: 0.0001, beta1: 0, beta2: 0.9, decay: {type: linear}}}',
];

// By hand: step s runs D0..D4 on real batches 5s..5s+4, then G; lr = base (1 - s/12), D 4e-4 and G 1e-4 (TTUR).
const LR: [number, number][] = [
  [4e-4, 1e-4], [0.000366666666666667, 9.16666666666667e-05], [0.000333333333333333, 8.33333333333333e-05],
  [3e-4, 7.5e-5], [0.000266666666666667, 6.66666666666667e-05], [0.000233333333333333, 5.83333333333333e-05],
  [2e-4, 5e-5], [0.000166666666666667, 4.16666666666667e-05], [0.000133333333333333, 3.33333333333333e-05],
  [1e-4, 2.5e-5], [6.66666666666667e-05, 1.66666666666667e-05], [3.33333333333333e-05, 8.33333333333333e-06],
];
const TABLE = LR.flatMap(([lrD, lrG], s) => [
  ...[0, 1, 2, 3, 4].map((k) => ({ round: 6 * s + k, step: s, phase: 'D', tag: `D${k}`, batch: 5 * s + k, lr: lrD })),
  { round: 6 * s + 5, step: s, phase: 'G', tag: 'G', batch: -1, lr: lrG },
]);

type Row = (typeof TABLE)[number];
function assertRows(actual: Row[], expected: Row[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => {
    const e = expected[i];
    assert.deepEqual({ ...a, lr: 0 }, { ...e, lr: 0 }, `row ${i}`);
    assert.ok(Math.abs(a.lr - e.lr) <= 1e-12 * e.lr, `row ${i}: lr ${a.lr} vs ${e.lr}`);
  });
}

const root = tempDir('schedule');

test('schedule(step): both ways of n_critic, and lazy R1 as its own round', () => {
  const gen = loadConfig(undefined, ['train.nGen=3']);
  assert.deepEqual(schedule(4, gen).rounds.map((r) => r.tag), ['D0', 'G0', 'G1', 'G2']);
  const lazy = loadConfig(undefined, ['train.nCritic=2', 'gan.r1.gamma=10', 'gan.r1.every=4']);
  assert.deepEqual(schedule(8, lazy).rounds, [
    { phase: 'D', tag: 'D0', batch: 16 }, { phase: 'D', tag: 'D1', batch: 17 }, { phase: 'D', tag: 'Dreg', batch: 16 }, { phase: 'G', tag: 'G', batch: -1 },
  ]);
  assert.deepEqual(schedule(9, lazy).rounds.map((r) => r.tag), ['D0', 'D1', 'G']);
});

test('12 steps of n_critic 5 + TTUR + linear decay run the hand-written table; a resume mid D-run continues it', { timeout: 300_000 }, async () => {
  const config = loadConfig(undefined, SETS);
  const full: Row[] = [];
  const whole = await trainInProcess(config, 2, path.join(root, 'full'), false, (r) => full.push(r));
  assertRows(full, TABLE);

  // Interrupted after D2 of step 7 (0-based 6); the last checkpoint is step 6's end.
  const dir = path.join(root, 'cut');
  const first: Row[] = [];
  await assert.rejects(
    trainInProcess(config, 3, dir, false, (r) => {
      if (r.step === 6 && r.tag === 'D3') throw new Error('interrupted mid D-run');
      first.push(r);
    }),
    /interrupted mid D-run/,
  );
  assertRows(first, TABLE.slice(0, 6 * 6 + 3));
  const resumed: Row[] = [];
  const result = await trainInProcess(config, 1, dir, true, (r) => resumed.push(r));
  assertRows(resumed, TABLE.slice(6 * 6));
  const [a, b] = [manifestHashes(whole.checkpoint), manifestHashes(result.checkpoint)];
  for (const f of ['G/weights.bin', 'D/weights.bin', 'adam-D.bin', 'adam-G.bin']) assert.equal(b[f], a[f], f);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
