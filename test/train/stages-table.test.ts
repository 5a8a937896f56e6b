// The progressive stage schedule (src/train/stages.ts) for a 3-stage config equals a hand-written table of
// (step -> resolution, alpha, batch size), the sample stream positions follow the stages' batch sizes, and bad
// stage lists are ConfigErrors naming the key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { schedule } from '../../src/train/schedule.js';
import { batchSizeAt, growthAt, samplesBefore, stageAt } from '../../src/train/stages.js';
import { checkStageNetworks } from '../../src/train/stage-networks.js';

const STAGES = 'stages=[{resolution: 7, stableImages: 20}, {resolution: 14, fadeImages: 16, stableImages: 8, batchSize: 4}, {resolution: 28, fadeImages: 24}]';
const config = loadConfig(undefined, ['model.family=progan', 'loss=wasserstein', 'train.batchSize=8', 'train.microShards=2', STAGES]);

// By hand: 7x7 for ceil(20/8) = 3 steps; 14x14 fades over 16/4 = 4 steps (alpha 0, 1/4, 2/4, 3/4) and is stable
// for 8/4 = 2; 28x28 fades over 24/8 = 3 steps (0, 1/3, 2/3), then stays at alpha 1 to the end.
const TABLE: [number, number, number, number][] = [
  [0, 7, 1, 8], [1, 7, 1, 8], [2, 7, 1, 8],
  [3, 14, 0, 4], [4, 14, 0.25, 4], [5, 14, 0.5, 4], [6, 14, 0.75, 4], [7, 14, 1, 4], [8, 14, 1, 4],
  [9, 28, 0, 8], [10, 28, 1 / 3, 8], [11, 28, 2 / 3, 8], [12, 28, 1, 8], [13, 28, 1, 8], [500, 28, 1, 8],
];

test('a 3-stage schedule equals the hand-written table of (step -> resolution, alpha, batch size)', () => {
  for (const [step, resolution, alpha, batchSize] of TABLE) {
    const stage = schedule(step, config).stage;
    assert.deepEqual({ resolution: stage?.resolution, alpha: stage?.alpha, batchSize: stage?.batchSize }, { resolution, alpha, batchSize }, `step ${step}`);
    assert.equal(batchSizeAt(step, config), batchSize);
    assert.deepEqual(growthAt(step, config), { resolution, fading: alpha < 1 });
  }
});

test('real batches start where the previous steps, at their own batch sizes, left the sample stream', () => {
  // 3 steps of 8, then 6 of 4, then 8 each.
  assert.deepEqual([0, 1, 3, 4, 9, 10, 12].map((s) => samplesBefore(s, config)), [0, 8, 24, 28, 48, 56, 72]);
  const critic = loadConfig(undefined, ['model.family=progan', 'loss=wasserstein', 'train.batchSize=8', 'train.nCritic=2', STAGES]);
  assert.equal(samplesBefore(4, critic), 3 * 2 * 8 + 2 * 4);
  // Without stages: step * n_critic * B, as before; no stage in the plan.
  const plain = loadConfig(undefined, ['train.nCritic=3']);
  assert.equal(samplesBefore(5, plain), 5 * 3 * 64);
  assert.equal(stageAt(5, plain), undefined);
  assert.equal('stage' in schedule(5, plain), false);
});

test('a stage may set its own base learning rates', () => {
  const lr = loadConfig(undefined, ['model.family=progan', 'loss=wasserstein', 'train.batchSize=8', 'optimizer={D: {lr: 0.001}, G: {lr: 0.002}}',
    'stages=[{resolution: 7, stableImages: 16}, {resolution: 14, fadeImages: 8, lr: {G: 0.0005}}]']);
  assert.deepEqual(schedule(1, lr).lr, { D: 0.001, G: 0.002 });
  assert.deepEqual(schedule(2, lr).lr, { D: 0.001, G: 0.0005 });
});

test('bad stage lists are ConfigErrors naming the key', () => {
  const bad = (stages: string, extra: string[] = []) => () => loadConfig(undefined, ['model.family=progan', 'loss=wasserstein', 'train.batchSize=8', `stages=${stages}`, ...extra]);
  const is = (re: RegExp) => (e: Error) => e instanceof ConfigError && re.test(e.message);
  assert.throws(bad('[{resolution: 7, stableImages: 8}, {resolution: 28, fadeImages: 8}]'), is(/stages\[1\]\.resolution 28.*doubles/));
  assert.throws(bad('[{resolution: 7, fadeImages: 8, stableImages: 8}]'), is(/stages\[0\]\.fadeImages/));
  assert.throws(bad('[{resolution: 7, stableImages: 8}, {resolution: 14}]'), is(/stages\[1\]\.fadeImages/));
  assert.throws(bad('[{resolution: 7, stableImages: 8, batchSize: 6}]', ['train.microShards=4']), is(/stages\[0\]\.batchSize 6 .*microShards 4/));
  assert.throws(bad('[{resolution: 7, stableImages: 8}, {resolution: 14, fadeImages: 8}, {resolution: 28, fadeImages: 8}, {resolution: 56, fadeImages: 8}]'), is(/4 stages.*3 resolutions/));
  // A family that does not grow: nothing fades in; a resolution other than the image size fails at run set-up.
  assert.throws(() => loadConfig(undefined, ['stages=[{stableImages: 8}, {fadeImages: 8}]']), is(/stages\[1\]\.fadeImages: model.family 'mlp-gan' cannot grow/));
  const mlp = loadConfig(undefined, ['stages=[{resolution: 7, stableImages: 8}]']);
  assert.throws(() => checkStageNetworks(mlp, { height: 28, width: 28, channels: 1 }), is(/stages\[0\]\.resolution 7: model.family 'mlp-gan' cannot grow/));
  checkStageNetworks(loadConfig(undefined, ['stages=[{resolution: 28, stableImages: 8}]']), { height: 28, width: 28, channels: 1 });
  assert.throws(bad('[{resolution: 7, stableImage: 8}]'), is(/stableImage/));
  assert.throws(bad('[{resolution: 7, stableImages: 8, lr: {VAE: 0.1}}]'), is(/stages\[0\]\.lr\.VAE/));
});
