// The worker's model replica: the networks of the run, their weights by version, and shard computation.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../src/config/index.js';
import { modelFamily, type ImageShape } from '../src/models/index.js';
import { allFinite, type WireTensor } from '../src/protocol/index.js';
import { NumericalError, ProtocolError } from '../src/errors.js';
import { shardGradients, type Replica, type ShardTask } from '../src/train/shard-gradients.js';
import { addInto, addStats, reduceNode, type Block } from '../src/train/reduce.js';
import { setFadeAlpha } from '../src/models/layers/index.js';
import { configAt, stageAt } from '../src/train/stages.js';
import { frozenWeights } from '../src/train/freeze.js';
import { stateVariables } from '../src/train/shard-state.js';

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
    if (!this.replica.nets[net]) throw new ProtocolError(`WEIGHTS for unknown network '${net}'`);
    this.regrow(net, tensors);
    const model = this.replica.nets[net];
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
   * Progressive growing: WEIGHTS whose names differ from the network's come from a grown master network; the
   * network is rebuilt for the stage those names belong to (the checks in setWeights then hold as usual).
   */
  private regrow(net: string, tensors: readonly WireTensor[]): void {
    const { family, config, image, nets } = this.replica;
    const names = tensors.map((t) => t.name);
    if (!family.stageOfWeights || names.join('\n') === nets[net].weights.map((w) => w.originalName).join('\n')) return;
    const built = family.build(config.model, image ?? MNIST_IMAGE, family.stageOfWeights(net, names));
    for (const [name, model] of Object.entries(built)) if (name !== net) model.dispose();
    nets[net].dispose();
    nets[net] = built[net];
  }

  /**
   * Computes the gradient sum of one block of shards, pre-reduced along the fixed tree (DESIGN.md §3), with
   * the block's statistics summed in the same order. `yieldEvery` lets timers (heartbeats) run between shards.
   */
  async block(
    block: Block,
    task: (shard: number) => ShardTask,
    afterShard?: () => Promise<void>,
  ): Promise<{ grads: Float32Array[]; stats: Record<string, number> }> {
    const leaves = new Map<number, { grads: Float32Array[]; stats: Record<string, number> }>();
    for (let s = block.lo; s < block.lo + block.n; s++) {
      const t = task(s);
      // Fade-in alpha of the step's stage: a pure function of the step (src/train/stages.ts), as on the coordinator.
      const alpha = stageAt(t.step, this.replica.config)?.alpha ?? 1;
      for (const model of Object.values(this.replica.nets)) setFadeAlpha(model, alpha);
      const leaf = shardGradients(this.replica, t);
      this.poison?.(t, leaf.grads);
      this.checkFinite(t, leaf);
      leaves.set(s, leaf);
      await afterShard?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return reduceNode(
      block.lo,
      block.n,
      (lo, n) => (n === 1 ? leaves.get(lo) : undefined),
      (a, b) => ({ grads: addInto(a.grads, b.grads), stats: addStats(a.stats, b.stats) }), // leaves are ours
    );
  }

  /**
   * Names of the tensors a phase's GRADS carry, in order: `g/<weight>` per gradient (frozen weights have none),
   * then `s/<weight>` per state value (shard-state.ts; none for frozen layers), as at `step`.
   */
  gradNames(phase: string, step = 0): string[] {
    const { family, nets } = this.replica;
    const config = configAt(step, this.replica.config); // a stage may freeze other layers
    const updates = family.phases[phase].updates;
    const frozen = (net: string) => frozenWeights(config, net, nets[net]);
    return [
      ...updates.flatMap((net) => nets[net].trainableWeights.filter((w) => !frozen(net).has(w.originalName)).map((w) => `g/${w.originalName}`)),
      ...updates.flatMap((net) => stateVariables(nets[net], frozen(net)).map((w) => `s/${w.originalName}`)),
    ];
  }

  /** A test hook that may corrupt a shard's gradient (fault injection; see worker.ts). */
  poison?: (task: ShardTask, grads: Float32Array[]) => void;

  /** A NaN or infinity in a shard's statistics or gradient is a NumericalError naming the shard, step and networks. */
  private checkFinite(t: ShardTask, leaf: { grads: Float32Array[]; stats: Record<string, number> }): void {
    const nets = this.replica.family.phases[t.phase].updates.join('+');
    const stat = Object.entries(leaf.stats).find(([, v]) => !Number.isFinite(v));
    const grad = leaf.grads.findIndex((g) => !allFinite(g));
    if (!stat && grad < 0) return;
    const what = stat ? `${stat[0]} = ${stat[1]}` : `gradient tensor ${grad}`;
    throw new NumericalError(`non-finite ${what} of ${nets} in micro-shard ${t.shard} of step ${t.step} (${t.tag} round)`);
  }

  dispose(): void {
    for (const model of Object.values(this.replica.nets)) model.dispose();
  }
}
