// No tensor leak in any technique: a shard's gradients with each loss, penalty and option leave
// tf.memory().numTensors and the backend's buffers as they were.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { GAN_LOSSES } from '../../src/losses/index.js';
import { shardGradients } from '../../src/train/shard-gradients.js';
import { replicaFor, task } from '../losses/fixtures.js';

await initBackend('wasm');

const CASES: { name: string; sets: string[]; rounds: [string, string][] }[] = [
  ...GAN_LOSSES.map((l) => ({ name: l.name, sets: [`loss=${l.name}`], rounds: [['D', 'D0'], ['G', 'G']] as [string, string][] })),
  { name: 'label smoothing + noisy labels', sets: ['gan.realLabel=0.9', 'gan.labelFlip=0.1'], rounds: [['D', 'D0']] },
  { name: 'WGAN-GP', sets: ['loss=wasserstein', 'gan.gp=10'], rounds: [['D', 'D0']] },
  { name: 'R1 inline', sets: ['gan.r1.gamma=10'], rounds: [['D', 'D0']] },
  { name: 'R1 lazy', sets: ['gan.r1.gamma=10', 'gan.r1.every=4'], rounds: [['D', 'Dreg']] },
  { name: 'feature matching', sets: ['gan.generatorLoss=feature-matching'], rounds: [['G', 'G']] },
  { name: 'DiffAugment', sets: ['gan.diffAugment=[translation, cutout, brightness, contrast]'], rounds: [['D', 'D0'], ['G', 'G']] },
];

for (const c of CASES) {
  test(`${c.name}: shard gradients leak no tensor`, () => {
    const r = replicaFor(c.sets);
    for (const [phase, tag] of c.rounds) {
      shardGradients(r.replica, task(phase, tag)); // warm-up (tfjs caches on first use)
      const tensors = tf.memory().numTensors;
      const buffers = tf.backend().numDataIds();
      shardGradients(r.replica, task(phase, tag, 1));
      assert.equal(tf.memory().numTensors, tensors, `${phase}/${tag}: tensors`);
      assert.equal(tf.backend().numDataIds(), buffers, `${phase}/${tag}: backend buffers`);
    }
    r.dispose();
  });
}
