// WGAN-GP and the drift term at a progressive stage, by hand: the D round's gp/D equals the penalty on full-size
// interpolates of the real digits pooled to 7x7 and G's 7x7 output, both upsampled back to 28x28 (as the official
// ProGAN code, whose networks meet every stage's images at full resolution), and drift/D is epsilon D(x)^2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/index.js';
import { loadDataset } from '../../src/data/index.js';
import { UpsampleBy } from '../../src/models/layers/index.js';
import { KeyedRandom } from '../../src/rng.js';
import { shardGradients } from '../../src/train/shard-gradients.js';
import { normal } from '../../src/train/shard-inputs.js';
import { growthAt } from '../../src/train/stages.js';
import { MasterState } from '../../coordinator/master.js';
import { ModelReplica } from '../../worker/replica.js';

await initBackend('wasm');
const data = await loadDataset({ source: 'mnist-embedded', split: 'train' });

test('gp/D at the 7x7 stage is the penalty on upsampled 7x7 interpolates; drift/D is epsilon D(x)^2', () => {
  const config = loadConfig(undefined, ['model.family=progan', 'model.channels=[4, 4, 4]', 'model.latentDim=8', 'loss=wasserstein',
    'gan.gp=10', 'gan.drift=0.001', 'train.batchSize=4', 'train.microShards=2', 'stages=[{resolution: 7, stableImages: 400}, {resolution: 14, fadeImages: 8}]']);
  const master = MasterState.fresh(config, { height: 28, width: 28, channels: 1 }, growthAt(0, config));
  const replica = new ModelReplica(config);
  for (const net of ['D', 'G']) replica.setWeights(net, 0, master.wire(net));
  const task = { phase: 'D', tag: 'D0', step: 3, shard: 1, count: 2, x: data.images.subarray(0, 2 * 784) };
  const { stats } = shardGradients(replica.replica, task);

  const { G, D } = replica.replica.nets;
  const pool4 = (x: tf.Tensor) => tf.mean(tf.reshape(x, [2, 7, 4, 7, 4, 1]), [2, 4]); // [2, 7, 7, 1]
  const up4 = (x: tf.Tensor) => tf.reshape(new UpsampleBy({ factor: 4 }).apply(x) as tf.Tensor, [2, 784]);
  const expected = tf.tidy(() => {
    const real7 = pool4(tf.sub(tf.div(tf.tensor2d(Float32Array.from(task.x), [2, 784]), 127.5), 1));
    const fake7 = pool4(G.apply(normal(config, task, 'z', 2, 8)) as tf.Tensor);
    const rng = new KeyedRandom(config.seed, task.step, task.tag, task.shard, 'gp-eps');
    const e = tf.tensor4d([rng.uniform(), rng.uniform()], [2, 1, 1, 1]);
    const mixed = tf.add(tf.mul(e, real7), tf.mul(tf.sub(1, e), fake7)); // [2, 7, 7, 1]
    const g = tf.grad((x: tf.Tensor) => tf.sum(D.apply(x) as tf.Tensor))(up4(mixed)); // [2, 784]
    const norms = tf.sqrt(tf.sum(tf.square(g), 1));
    const gp = tf.sum(tf.square(tf.sub(norms, 1))).dataSync()[0] * 10 / 4;
    const drift = tf.sum(tf.square(D.apply(up4(real7)) as tf.Tensor)).dataSync()[0] * 0.001 / 4;
    return { gp, drift };
  });
  assert.ok(Math.abs(stats['gp/D'] - expected.gp) <= 1e-4 * expected.gp, `gp/D ${stats['gp/D']} vs ${expected.gp} by hand`);
  assert.ok(Math.abs(stats['drift/D'] - expected.drift) <= 1e-4 * expected.drift, `drift/D ${stats['drift/D']} vs ${expected.drift} by hand`);
  replica.dispose();
  master.dispose();
});
