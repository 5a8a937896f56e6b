// Shared fixtures of the loss and technique tests: a small GAN replica with seeded weights and real MNIST digits.
import { loadEmbedded } from '../../src/data/index.js';
import { loadConfig } from '../../src/config/index.js';
import { initialWeights } from '../../src/models/index.js';
import type { ShardTask } from '../../src/train/shard-gradients.js';
import { ModelReplica } from '../../worker/replica.js';

/** A tiny MLP GAN (G 8-16-784, D 784-16-8-1) over the defaults, plus `sets`. */
export const SMALL = ['model.latentDim=8', 'model.gHidden=[16]', 'model.dHidden=[16, 8]', 'train.batchSize=8', 'train.microShards=2'];

export function replicaFor(sets: string[] = []): ModelReplica {
  const config = loadConfig(undefined, [...SMALL, ...sets]);
  const r = new ModelReplica(config);
  for (const [net, model] of Object.entries(r.replica.nets)) {
    const w = initialWeights(model, net, config.seed);
    r.setWeights(net, 0, w.values.map((data, i) => ({ name: w.names[i], dtype: 'float32' as const, shape: w.shapes[i], data })));
  }
  return r;
}

let digits: Uint8Array | undefined;

/** The first n real training digits (uint8, [n, 28, 28, 1]). */
export function realDigits(n: number): Uint8Array {
  if (!digits || digits.length < n * 784) {
    const data = loadEmbedded('train');
    digits = new Uint8Array(n * 784);
    for (let i = 0; i < n; i++) digits.set(data.pixels(i), i * 784);
  }
  return digits.subarray(0, n * 784);
}

/** A shard task of `count` real digits (shard s takes digits s*count ..). */
export function task(phase: string, tag: string, shard = 0, count = 4, step = 3): ShardTask {
  return { phase, tag, step, shard, count, x: realDigits((shard + 1) * count).subarray(shard * count * 784) };
}
