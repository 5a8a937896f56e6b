// Multi-stage training in general (src/config/stage-config.ts, src/train/stages.ts, src/train/schedule.ts): the
// resolved schedule of a 3-stage config that overrides training fields equals a hand-written table, the sample
// stream follows each stage's n_critic, batch size and trained networks, and bad stage keys are ConfigErrors
// naming the stage index and the key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { schedule } from '../../src/train/schedule.js';
import { batchesBefore, configAt, growthAt, samplesBefore, stageAt } from '../../src/train/stages.js';

// Seed MLP GAN (it does not grow), B = 8, loss bce-ns. Stage 0: a critic warm-up of 16 images (2 steps, D only).
// Stage 1: 24 images at B = 4 (6 steps), WGAN-GP with n_critic 3, D's first block frozen, G's lr 0.001.
// Stage 2: G alone against the trained D, the run's own fields again, to the end.
const STAGES = 'stages=[{stableImages: 16, trainNetworks: [D]}, '
  + '{stableImages: 24, batchSize: 4, loss: wasserstein, gan: {gp: 10}, nCritic: 3, freeze: {D: {firstBlocks: 1}}, lr: {G: 0.001}}, '
  + '{trainNetworks: [G]}]';
const config = loadConfig(undefined, ['train.batchSize=8', 'train.microShards=2', 'train.steps=20', STAGES]);

type Row = [step: number, index: number, batchSize: number, rounds: string, loss: string, gp: number, freeze: string, lrG: number, samples: number];
// rounds: tag:global batch number; samples: where the step's first real batch starts in the sample stream.
const TABLE: Row[] = [
  [0, 0, 8, 'D0:0', 'bce-ns', 0, '{}', 2e-4, 0],
  [1, 0, 8, 'D0:1', 'bce-ns', 0, '{}', 2e-4, 8],
  [2, 1, 4, 'D0:2 D1:3 D2:4 G:-1', 'wasserstein', 10, '{"D":{"firstBlocks":1}}', 0.001, 16],
  [3, 1, 4, 'D0:5 D1:6 D2:7 G:-1', 'wasserstein', 10, '{"D":{"firstBlocks":1}}', 0.001, 28],
  [7, 1, 4, 'D0:17 D1:18 D2:19 G:-1', 'wasserstein', 10, '{"D":{"firstBlocks":1}}', 0.001, 76],
  [8, 2, 8, 'G:-1', 'bce-ns', 0, '{}', 2e-4, 88],
  [9, 2, 8, 'G:-1', 'bce-ns', 0, '{}', 2e-4, 88],
  [19, 2, 8, 'G:-1', 'bce-ns', 0, '{}', 2e-4, 88],
];

test('the schedule of a 3-stage config with overrides equals the hand-written table', () => {
  for (const [step, index, batchSize, rounds, loss, gp, freeze, lrG, samples] of TABLE) {
    const plan = schedule(step, config);
    const c = configAt(step, config);
    assert.deepEqual(
      {
        index: plan.stage?.index, batchSize: plan.stage?.batchSize, resolution: plan.stage?.resolution,
        rounds: plan.rounds.map((r) => `${r.tag}:${r.batch}`).join(' '),
        loss: c.loss, gp: c.gan.gp, freeze: JSON.stringify(c.freeze), lrG: plan.lr.G, samples: samplesBefore(step, config),
      },
      { index, batchSize, resolution: undefined, rounds, loss, gp, freeze, lrG, samples },
      `step ${step}`,
    );
  }
  assert.equal(batchesBefore(20, config), 20);
  // The run's own fields are untouched; a stage's sections keep one identity (caches key on them).
  assert.equal(config.loss, 'bce-ns');
  assert.equal(configAt(3, config), configAt(7, config));
  assert.equal(configAt(3, config).train.nCritic, 3);
});

test("handed a stage's effective config, the stage functions still answer for the run", () => {
  // Workers and objectives hold the effective config of their step; its batch size and n_critic are the stage's, and
  // must not move where the other stages lie (with B = 4 for stage 0, stage 1 would start at step 4, not 2).
  for (const t of [0, 3, 8]) {
    const c = configAt(t, config);
    for (let step = 0; step < 12; step++) {
      assert.deepEqual([stageAt(step, c), samplesBefore(step, c), batchesBefore(step, c), schedule(step, c), configAt(step, c)],
        [stageAt(step, config), samplesBefore(step, config), batchesBefore(step, config), schedule(step, config), configAt(step, config)], `step ${step} from ${t}`);
    }
  }
});

test('a stage overrides gan keys one by one; feature matching in a G-only stage reads its own real batch', () => {
  const r1 = loadConfig(undefined, ['train.batchSize=8', 'gan.r1={gamma: 1, every: 4}', 'stages=[{stableImages: 8}, {gan: {r1: {gamma: 5}}}]']);
  assert.deepEqual(configAt(1, r1).gan.r1, { gamma: 5, every: 4 });
  assert.deepEqual(configAt(0, r1).gan.r1, { gamma: 1, every: 4 });
  assert.deepEqual(schedule(4, r1).rounds.map((r) => r.tag), ['D0', 'Dreg', 'G']);
  const fm = loadConfig(undefined, ['train.batchSize=8', 'train.nCritic=2', 'gan.generatorLoss=feature-matching',
    'stages=[{stableImages: 8}, {stableImages: 16, trainNetworks: [G]}, {}]']);
  // Step 0 uses batches 0, 1 (D) and G reuses 1; step 1 (G only) uses batch 2 of its own; step 2 batch 3; then 4, 5.
  assert.deepEqual([0, 1, 2, 3].map((s) => schedule(s, fm).rounds.map((r) => `${r.tag}:${r.batch}`).join(' ')),
    ['D0:0 D1:1 G:1', 'G:2', 'G:3', 'D0:4 D1:5 G:5']);
  assert.deepEqual([1, 2, 3, 4].map((s) => samplesBefore(s, fm)), [16, 24, 32, 48]);
});

test('a ProGAN stage without a resolution keeps the previous one, with no fade and no growing', () => {
  const pg = loadConfig(undefined, ['model.family=progan', 'loss=wasserstein', 'train.batchSize=8', 'train.microShards=2',
    'stages=[{resolution: 7, stableImages: 8}, {resolution: 14, fadeImages: 16, stableImages: 8}, {nCritic: 2, gan: {gp: 10}}]']);
  // 7x7 for 1 step; 14x14 fades over steps 1-2 and is stable at step 3; from step 4 the third stage at 14x14, alpha 1.
  assert.deepEqual([3, 4, 9].map((s) => [stageAt(s, pg)?.index, stageAt(s, pg)?.resolution, stageAt(s, pg)?.alpha, growthAt(s, pg)?.fading]),
    [[1, 14, 1, false], [2, 14, 1, false], [2, 14, 1, false]]);
  assert.deepEqual(schedule(4, pg).rounds.map((r) => `${r.tag}:${r.batch}`), ['D0:4', 'D1:5', 'G:-1']);
  assert.equal(configAt(4, pg).gan.gp, 10);
  const is = (re: RegExp) => (e: Error) => e instanceof ConfigError && re.test(e.message);
  assert.throws(() => loadConfig(undefined, ['model.family=progan', 'loss=wasserstein', 'train.batchSize=8',
    'stages=[{resolution: 7, stableImages: 8}, {fadeImages: 8}]']), is(/stages\[1\]\.fadeImages: the stage keeps resolution 7/));
  assert.throws(() => loadConfig(undefined, ['model.family=progan', 'loss=wasserstein', 'stages=[{stableImages: 8}]']), is(/stages\[0\]\.resolution: the first stage/));
});

test('without stages, and with stages that override nothing, the schedule is what it was', () => {
  const plain = loadConfig(undefined, ['train.nCritic=2']);
  assert.deepEqual(schedule(3, plain).rounds.map((r) => `${r.tag}:${r.batch}`), ['D0:6', 'D1:7', 'G:-1']);
  assert.equal(configAt(3, plain), plain);
  const bare = loadConfig(undefined, ['train.nCritic=2', 'stages=[{stableImages: 64}, {}]']);
  assert.equal(configAt(3, bare), bare);
  assert.deepEqual(schedule(3, bare).rounds.map((r) => `${r.tag}:${r.batch}`), ['D0:6', 'D1:7', 'G:-1']);
  assert.equal(stageAt(3, bare)?.index, 1);
  assert.equal(samplesBefore(3, bare), 3 * 2 * 64);
});

test('bad stage keys and values are ConfigErrors naming the stage index and the key', () => {
  const is = (re: RegExp) => (e: Error) => e instanceof ConfigError && re.test(e.message);
  const gan = (stages: string, extra: string[] = []) => () => loadConfig(undefined, ['train.batchSize=8', ...extra, `stages=${stages}`]);
  assert.throws(gan('[{stableImages: 8}, {nCritc: 2}]'), is(/unknown key stages\.1\.nCritc/));
  assert.throws(gan('[{stableImages: 8}, {gan: {gpp: 2}}]'), is(/unknown key stages\.1\.gan\.gpp/));
  assert.throws(gan('[{stableImages: 8}, {gan: {r1: {gama: 2}}}]'), is(/unknown key stages\.1\.gan\.r1\.gama/));
  assert.throws(gan('[{stableImages: 8}, {gan: {gp: -1}}]'), is(/stages\.1\.gan\.gp:/));
  assert.throws(gan('[{stableImages: 8}, {nCritic: 0}]'), is(/stages\.1\.nCritic:/));
  assert.throws(gan('[{stableImages: 8}, {loss: hinj}]'), is(/stages\.1\.loss:/));
  assert.throws(gan('[{stableImages: 8}, {loss: elbo}]'), is(/stages\[1\]\.loss: 'elbo' does not fit model.family 'mlp-gan'/));
  assert.throws(gan('[{stableImages: 8}, {trainNetworks: [D, E]}]'), is(/stages\[1\]\.trainNetworks\[1\]: unknown network 'E' \(this model has D, G\)/));
  assert.throws(gan('[{stableImages: 8}, {freeze: {D: {firstBlock: 1}}}]'), is(/stages\.1\.freeze\.D/));
  assert.throws(gan('[{trainNetworks: [D]}, {}]'), is(/stages\[0\]\.stableImages: a stage before the last trains some images/));
  // The stage's effective config passes the run's own rules: label smoothing needs a loss with targets.
  assert.throws(gan('[{stableImages: 8}, {loss: hinge}]', ['gan.realLabel=0.9']), is(/stages\[1\] \(the stage's effective config\): gan\.realLabel/));
  const vae = (stages: string) => () => loadConfig(undefined, ['model.family=mlp-vae', 'loss=elbo', 'optimizer={VAE: {}}', `stages=${stages}`]);
  assert.throws(vae('[{stableImages: 8}, {nCritic: 2}]'), is(/stages\[1\]\.nCritic: applies to GANs/));
  assert.throws(vae('[{stableImages: 8}, {trainNetworks: [decoder]}]'), is(/stages\[1\]\.trainNetworks: the VAE round trains encoder and decoder together/));
  assert.doesNotThrow(vae('[{stableImages: 8, batchSize: 16}, {lr: {VAE: 0.0001}}]'));
});
