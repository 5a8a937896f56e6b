import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/index.js';
import { initialWeights } from '../../src/models/index.js';
import { addLists } from '../../src/train/reduce.js';
import { phaseVariables, shardGradients, shardLoss, type ShardTask } from '../../src/train/shard-gradients.js';
import { ModelReplica } from '../../worker/replica.js';

await initBackend('wasm');

function replicaFor(sets: string[]): ModelReplica {
  const config = loadConfig(undefined, sets);
  const r = new ModelReplica(config);
  for (const [net, model] of Object.entries(r.replica.nets)) {
    const w = initialWeights(model, net, config.seed);
    r.setWeights(net, 0, w.values.map((data, i) => ({ name: w.names[i], dtype: 'float32' as const, shape: w.shapes[i], data })));
  }
  return r;
}

const images = Uint8Array.from({ length: 16 * 784 }, (_, i) => (i * 37) % 256);
const small = ['model.gHidden=[32, 64]', 'model.dHidden=[64, 32]', 'train.batchSize=16', 'train.microShards=4'];
const vaeSmall = ['model.family=mlp-vae', 'loss=elbo', 'optimizer={VAE: {lr: 0.001}}', 'model.hidden=[32]', 'train.batchSize=16', 'train.microShards=4'];

const cases = [
  { phase: 'D', tag: 'D0', sets: small },
  { phase: 'G', tag: 'G', sets: small },
  { phase: 'VAE', tag: 'VAE', sets: vaeSmall },
];

for (const c of cases) {
  test(`${c.phase}: the gradients of 4 micro-shards sum to the gradient of the summed loss (oracle: one tape)`, () => {
    const r = replicaFor(c.sets);
    const tasks: ShardTask[] = [0, 1, 2, 3].map((shard) => ({
      phase: c.phase, tag: c.tag, step: 3, shard, count: 4, x: images.subarray(shard * 4 * 784, (shard + 1) * 4 * 784),
    }));
    const parts = tasks.map((t) => shardGradients(r.replica, t));
    const summed = parts.map((p) => p.grads).reduce((a, b) => addLists(a, b));
    const vars = phaseVariables(r.replica, c.phase);
    const oracle = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tasks.map((t) => shardLoss(r.replica, t)).reduce((a, b) => tf.add(a, b)), vars);
      return vars.map((v) => grads[v.name]);
    });
    const expected = oracle.map((t) => t.dataSync());
    tf.dispose(oracle);
    summed.forEach((g, k) => {
      let maxErr = 0;
      let scale = 0;
      for (let i = 0; i < g.length; i++) {
        maxErr = Math.max(maxErr, Math.abs(g[i] - expected[k][i]));
        scale = Math.max(scale, Math.abs(expected[k][i]));
      }
      assert.ok(scale > 0, `variable ${k} has a zero gradient`);
      assert.ok(maxErr <= 1e-5 * Math.max(1, scale), `variable ${k}: max error ${maxErr} (scale ${scale})`);
    });
    const lossKey = `loss/${c.phase}`;
    assert.ok(parts.every((p) => Number.isFinite(p.stats[lossKey]) && p.stats[lossKey] > 0));
    r.dispose();
  });
}

test('a shard gradient leaves no tensor behind, is deterministic, and keys z by shard', () => {
  const r = replicaFor(small);
  const task: ShardTask = { phase: 'D', tag: 'D0', step: 0, shard: 1, count: 4, x: images.subarray(0, 4 * 784) };
  shardGradients(r.replica, task); // warm-up
  const before = tf.memory().numTensors;
  const a = shardGradients(r.replica, task);
  shardGradients(r.replica, { ...task, phase: 'G', tag: 'G' });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(shardGradients(r.replica, task).grads, a.grads);
  assert.notDeepEqual(shardGradients(r.replica, { ...task, shard: 2 }).grads, a.grads);
  r.dispose();
});
