// The worker's model replica: the networks of the run, their weights by version, and shard computation.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../src/config/index.js';
import { modelFamily, type ImageShape } from '../src/models/index.js';
import type { WireTensor } from '../src/protocol/index.js';
import { ProtocolError } from '../src/errors.js';
import { shardGradients, type Replica, type ShardTask } from '../src/train/shard-gradients.js';
import { addInto, addStats, reduceNode, type Block } from '../src/train/reduce.js';

export const MNIST_IMAGE: ImageShape = { height: 28, width: 28, channels: 1 };

export class ModelReplica {
  readonly replica: Replica;
  /** Weight version held for each network. */
  readonly versions: Record<string, number> = {};

  constructor(config: Readonly<Config>, image: ImageShape = MNIST_IMAGE) {
    const family = modelFamily(config.model.family);
    this.replica = { config, family, nets: family.build(config.model, image), image };
  }

  /** Replaces a network's weights; the tensors must match its weights by name, order and shape. */
  setWeights(net: string, version: number, tensors: readonly WireTensor[]): void {
    const model = this.replica.nets[net];
    if (!model) throw new ProtocolError(`WEIGHTS for unknown network '${net}'`);
    const weights = model.weights;
    if (tensors.length !== weights.length) {
      throw new ProtocolError(`WEIGHTS ${net}: ${tensors.length} tensors, the network has ${weights.length}`);
    }
    weights.forEach((w, i) => {
      const t = tensors[i];
      if (t.name !== w.originalName || t.dtype !== 'float32' || t.shape.join(',') !== w.shape.join(',')) {
        throw new ProtocolError(`WEIGHTS ${net}: tensor ${i} is ${t.name} [${t.shape}] ${t.dtype}, expected ${w.originalName} [${w.shape}] float32`);
      }
    });
    tf.tidy(() => model.setWeights(tensors.map((t) => tf.tensor(t.data as Float32Array, t.shape))));
    this.versions[net] = version;
  }

  /**
   * Computes the gradient sum of one block of shards, pre-reduced along the fixed tree (DESIGN.md §3), with
   * the block's statistics summed in the same order. `yieldEvery` lets timers (heartbeats) run between shards.
   */
  async block(block: Block, task: (shard: number) => ShardTask): Promise<{ grads: Float32Array[]; stats: Record<string, number> }> {
    const leaves = new Map<number, { grads: Float32Array[]; stats: Record<string, number> }>();
    for (let s = block.lo; s < block.lo + block.n; s++) {
      leaves.set(s, shardGradients(this.replica, task(s)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return reduceNode(
      block.lo,
      block.n,
      (lo, n) => (n === 1 ? leaves.get(lo) : undefined),
      (a, b) => ({ grads: addInto(a.grads, b.grads), stats: addStats(a.stats, b.stats) }), // leaves are ours
    );
  }

  dispose(): void {
    for (const model of Object.values(this.replica.nets)) model.dispose();
  }
}
