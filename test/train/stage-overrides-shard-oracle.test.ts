// Oracle for what a worker computes inside a stage that overrides training fields: the shard gradients, statistics
// and GRADS names of a step in that stage equal those of a run without stages whose own fields are the stage's
// (same weights, same step, so the same keyed draws). Covers the loss, the gradient penalty, the stage's batch size
// (the 1/B scale of DESIGN.md §3) and its frozen layers; and the other stages still compute as the run's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/index.js';
import { loadDataset } from '../../src/data/index.js';
import { ModelReplica } from '../../worker/replica.js';
import { MasterState } from '../../coordinator/master.js';
import { shardGradients, type ShardTask } from '../../src/train/shard-gradients.js';

await initBackend('wasm');
const image = { height: 28, width: 28, channels: 1 };
const NET = ['model.latentDim=8', 'model.gHidden=[16]', 'model.dHidden=[16, 8]', 'train.microShards=2', 'seed=3'];
// Stage 0: the run's fields at B 8 for 2 steps. Stage 1: WGAN-GP, B 4, n_critic 3, D's first block frozen.
const staged = loadConfig(undefined, [...NET, 'train.batchSize=8',
  'stages=[{stableImages: 16}, {batchSize: 4, loss: wasserstein, gan: {gp: 10}, nCritic: 3, freeze: {D: {firstBlocks: 1}}}]']);
const stage1 = loadConfig(undefined, [...NET, 'train.batchSize=4', 'loss=wasserstein', 'gan.gp=10', 'train.nCritic=3', 'freeze.D.firstBlocks=1']);
const stage0 = loadConfig(undefined, [...NET, 'train.batchSize=8']);

function replicaOf(config: Parameters<typeof MasterState.fresh>[0], weights: MasterState): ModelReplica {
  const r = new ModelReplica(config);
  for (const net of ['G', 'D']) r.setWeights(net, 0, weights.wire(net));
  return r;
}

const bits = (a: Float32Array[]) => a.map((g) => Buffer.from(g.buffer, g.byteOffset, g.byteLength).toString('base64'));

test("a stage's shard gradients, statistics and GRADS names equal those of a run whose own fields are the stage's", async () => {
  const data = await loadDataset({ source: 'mnist-embedded', split: 'train' });
  const weights = MasterState.fresh(stage0, image);
  const task = (phase: string, tag: string, step: number, count: number): ShardTask => ({
    phase, tag, step, shard: 1, count, x: Uint8Array.from({ length: count * 784 }, (_, i) => data.pixels(i % 50)[i % 784]),
  });
  const a = replicaOf(staged, weights);
  for (const [oracle, step, count] of [[stage1, 3, 2], [stage0, 1, 4]] as const) {
    const b = replicaOf(oracle, weights);
    for (const [phase, tag] of [['D', 'D1'], ['G', 'G']]) {
      const got = shardGradients(a.replica, task(phase, tag, step, count));
      const want = shardGradients(b.replica, task(phase, tag, step, count));
      assert.deepEqual(got.stats, want.stats, `step ${step} ${phase}: stats`);
      assert.deepEqual(bits(got.grads), bits(want.grads), `step ${step} ${phase}: gradient bits`);
      assert.deepEqual(a.gradNames(phase, step), b.gradNames(phase), `step ${step} ${phase}: GRADS names`);
    }
    b.dispose();
  }
  // Stage 1 really differs from stage 0: the penalty is on and D's first block sends no gradient.
  assert.ok('gp/D' in shardGradients(a.replica, task('D', 'D0', 3, 2)).stats);
  assert.ok(!a.gradNames('D', 3).includes('g/D_fc0/kernel') && a.gradNames('D', 1).includes('g/D_fc0/kernel'));
  a.dispose();
  weights.dispose();
});
