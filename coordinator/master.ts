// The master copy of the run's state: weights of every network, an Adam state per phase, weight versions.
// The coordinator is the parameter server (DESIGN.md §4): only it applies updates.
import * as tf from '@tensorflow/tfjs';
import type { CheckpointData, LoadedCheckpoint, NamedArray } from '../src/checkpoint/index.js';
import type { Config } from '../src/config/index.js';
import { CheckpointError } from '../src/errors.js';
import { initialWeights, modelFamily, readWeights, type GrowthStage, type ImageShape, type ModelFamily, type NamedWeights } from '../src/models/index.js';
import { setFadeAlpha } from '../src/models/layers/index.js';
import type { WireTensor } from '../src/protocol/index.js';
import { adamInit, adamStep, type AdamState } from '../src/train/adam.js';
import { clipWeights, emaUpdate, regularizeGradients } from '../src/train/regularize.js';
import { mergeState } from '../src/train/shard-state.js';
import { carryAdam, carryWeights } from './grow.js';
import { stageAt } from '../src/train/stages.js';
import { checkFreezeNets, frozenWeights } from '../src/train/freeze.js';
import { stageConfig } from '../src/config/stage-config.js';

/** Name of the EMA generator in checkpoints (train.ema). */
export const EMA_NET = 'G_ema';

export class MasterState {
  readonly family: ModelFamily;
  /** Networks built on the coordinator, used only to save, sample and evaluate (weights synced on demand). */
  readonly nets: Record<string, tf.LayersModel>;
  readonly weights: Record<string, NamedWeights> = {};
  readonly versions: Record<string, number> = {};
  readonly adam: Record<string, AdamState> = {};
  private synced: Record<string, number> = {};
  /** EMA of G's weights (train.ema.decay > 0) and the network that saves and samples them. */
  ema?: { weights: NamedWeights; net: tf.LayersModel; version: number; synced: number };
  /** Progressive growing: the fade-in alpha the networks run at (set by the trainer from the schedule). */
  alpha = 1;
  /** Multi-stage training: the stage (index into config.stages) the state is in, and that stage's effective config. */
  stageIndex?: number;
  private current: Readonly<Config>;

  /** `stage`: the growth stage the networks are built for (progressive families; absent: full resolution). */
  private constructor(readonly config: Readonly<Config>, private readonly image: ImageShape, public stage?: GrowthStage, stageIndex?: number) {
    this.family = modelFamily(config.model.family);
    this.nets = this.family.build(config.model, image, stage);
    this.stageIndex = config.stages.length > 0 ? (stageIndex ?? 0) : undefined;
    this.current = stageConfig(config, this.stageIndex);
    checkFreezeNets(this.current, this.nets);
    if (config.train.ema.decay > 0 && this.family.kind === 'gan') {
      const built = this.family.build(config.model, image, stage);
      for (const [net, model] of Object.entries(built)) if (net !== 'G') model.dispose();
      this.ema = { weights: { names: [], shapes: [], values: [] }, net: built.G, version: 0, synced: -1 };
    }
  }

  /** A new run: weights from the seed, fresh optimizer states, versions 0. */
  static fresh(config: Readonly<Config>, image: ImageShape, stage?: GrowthStage): MasterState {
    const s = new MasterState(config, image, stage, 0);
    for (const [net, model] of Object.entries(s.nets)) {
      s.weights[net] = s.family.initialWeights
        ? s.family.initialWeights(model, net, config.seed, config.model)
        : initialWeights(model, net, config.seed);
      s.versions[net] = 0;
    }
    for (const phase of Object.keys(s.family.phases)) s.adam[phase] = adamInit(s.phaseWeights(phase).map((w) => w.length));
    if (s.ema) s.ema.weights = { ...s.weights.G, values: s.weights.G.values.map((v) => v.slice()) };
    return s;
  }

  /** The exact state saved in a checkpoint. */
  static restore(config: Readonly<Config>, image: ImageShape, ckpt: LoadedCheckpoint): MasterState {
    const meta = ckpt.meta as {
      versions?: Record<string, number>; adamSteps?: Record<string, number>; growth?: GrowthStage; adamStarts?: Record<string, number[]>; stage?: number;
    };
    // The stage the state was saved in (its frozen layers size the Adam state); checkpoints from before stages
    // were recorded: the stage of the last step trained.
    const stageIndex = meta.stage ?? (config.stages.length > 0 ? stageAt(Math.max(ckpt.step - 1, 0), config)?.index : undefined);
    const s = new MasterState(config, image, meta.growth, stageIndex);
    for (const net of Object.keys(s.nets)) {
      const loaded = ckpt.networks[net];
      if (!loaded) throw new CheckpointError(`${ckpt.dir}: no network '${net}'`);
      s.weights[net] = readWeights(loaded);
      s.versions[net] = meta.versions?.[net] ?? 0;
    }
    if (s.ema) {
      const loaded = ckpt.networks[EMA_NET];
      if (!loaded) throw new CheckpointError(`${ckpt.dir}: no network '${EMA_NET}' (train.ema is on)`);
      s.ema.weights = readWeights(loaded);
    }
    for (const phase of Object.keys(s.family.phases)) {
      const arrays = ckpt.state[`adam-${phase}`];
      const sizes = s.phaseWeights(phase).map((w) => w.length);
      if (!arrays || arrays.length !== 2 * sizes.length || arrays.some((a, i) => a.data.length !== sizes[i % sizes.length])) {
        throw new CheckpointError(`${ckpt.dir}: optimizer state adam-${phase} does not match the model`);
      }
      s.adam[phase] = {
        t: meta.adamSteps?.[phase] ?? 0,
        m: arrays.slice(0, sizes.length).map((a) => a.data),
        v: arrays.slice(sizes.length).map((a) => a.data),
        ...(meta.adamStarts?.[phase] ? { start: meta.adamStarts[phase] } : {}),
      };
    }
    return s;
  }

  /** Indices (in `weights` order) of a network's trainable weights, less frozen ones (config.freeze: no Adam state). */
  private trainable(net: string): number[] {
    const frozen = frozenWeights(this.current, net, this.nets[net]);
    return this.nets[net].weights.flatMap((w, i) => (w.trainable && !frozen.has(w.originalName) ? [i] : []));
  }

  /** Indices of a network's state weights (BatchNorm, SN u) that rounds update: those of frozen layers stay as they are. */
  private state(net: string): number[] {
    const frozen = frozenWeights(this.current, net, this.nets[net]);
    return this.nets[net].weights.flatMap((w, i) => (!w.trainable && !frozen.has(w.originalName) ? [i] : []));
  }

  /** The trainable weight arrays a phase updates, in wire order (networks in phase order, each in `weights` order). */
  phaseWeights(phase: string): Float32Array[] {
    return this.family.phases[phase].updates.flatMap((net) => this.trainable(net).map((i) => this.weights[net].values[i]));
  }

  /** Sizes of what a round's GRADS carry: the phase's gradients, then its networks' state (shard-state.ts). */
  wireSizes(phase: string): number[] {
    const nets = this.family.phases[phase].updates;
    const state = nets.flatMap((net) => this.state(net).map((i) => this.weights[net].values[i].length));
    return [...this.phaseWeights(phase).map((w) => w.length), ...state];
  }

  /**
   * Applies one Adam step of `phase` with the reduced gradient (after L1/L2 terms and norm clipping), merges the
   * reduced state values that follow the gradients (shard-state.ts), then WGAN weight clipping (D) and the EMA of
   * G, and bumps the versions of its networks. Returns statistics to log.
   */
  apply(phase: string, grads: Float32Array[], lr: number, step = 0): Record<string, number> {
    const cfg = this.config.optimizer[phase as 'D'];
    if (!cfg) throw new Error(`no optimizer for phase ${phase}`);
    const stats: Record<string, number> = {};
    const weights = this.phaseWeights(phase);
    const trainableGrads = grads.slice(0, weights.length);
    if (cfg.l1 > 0 || cfg.l2 > 0 || cfg.clipNorm > 0) stats[`gradnorm/${phase}`] = regularizeGradients(weights, trainableGrads, cfg);
    adamStep(weights, trainableGrads, this.adam[phase], cfg, lr);
    const updates = this.family.phases[phase].updates;
    let k = weights.length;
    for (const net of updates) {
      const n = this.state(net).length;
      mergeState(this.nets[net], this.weights[net].values, grads.slice(k, k + n), frozenWeights(this.current, net, this.nets[net]));
      k += n;
    }
    const { weightClip } = this.current.gan; // a stage may override it
    if (weightClip > 0 && updates.includes('D')) clipWeights(this.trainable('D').map((i) => this.weights.D.values[i]), weightClip);
    if (this.ema && updates.includes('G')) {
      const { decay, start } = this.config.train.ema;
      emaUpdate(this.ema.weights.values, this.weights.G.values, step >= start ? decay : 0);
      this.ema.version += 1;
    }
    for (const net of updates) this.versions[net] += 1;
    return stats;
  }

  /** The names of the trainable weights a phase updates, in wire order (the order of its Adam state). */
  wireNames(phase: string): string[] {
    return this.family.phases[phase].updates.flatMap((net) => this.trainable(net).map((i) => this.weights[net].names[i]));
  }

  /**
   * Progressive growing: rebuilds the networks for `stage`. Weights whose names survive keep their values and
   * their Adam moments; new weights get their seed-keyed initial values and fresh moments (with their own bias
   * correction); the faded-out path's weights are dropped. Versions are bumped, so workers rebuild from WEIGHTS.
   */
  grow(stage: GrowthStage): void {
    const before = Object.fromEntries(Object.keys(this.family.phases).map((p) => [p, this.wireNames(p)]));
    const built = this.family.build(this.config.model, this.image, stage);
    const fresh: Record<string, NamedWeights> = {};
    for (const [net, model] of Object.entries(built)) {
      fresh[net] = this.family.initialWeights ? this.family.initialWeights(model, net, this.config.seed, this.config.model) : initialWeights(model, net, this.config.seed);
      this.weights[net] = carryWeights(this.weights[net], fresh[net]);
      this.nets[net].dispose();
      this.nets[net] = model;
      this.versions[net] += 1;
      delete this.synced[net];
    }
    for (const phase of Object.keys(this.family.phases)) {
      this.adam[phase] = carryAdam(this.adam[phase], before[phase], this.wireNames(phase), this.phaseWeights(phase).map((w) => w.length));
    }
    if (this.ema) {
      const net = this.family.build(this.config.model, this.image, stage);
      for (const [name, model] of Object.entries(net)) if (name !== 'G') model.dispose();
      this.ema.net.dispose();
      // Copies: G's new arrays are updated in place by Adam.
      const initial = { ...fresh.G, values: fresh.G.values.map((v) => v.slice()) };
      this.ema = { weights: carryWeights(this.ema.weights, initial), net: net.G, version: this.ema.version + 1, synced: -1 };
    }
    this.stage = stage;
  }

  /**
   * Multi-stage training: moves the state into stage `index` (src/config/stage-config.ts). When the stage freezes
   * other layers, each phase's Adam state is carried by name as at growing: weights that train on keep their
   * moments, weights it unfreezes start fresh (their own bias correction), weights it freezes drop theirs.
   */
  enterStage(index: number): void {
    if (index === this.stageIndex) return;
    const before = Object.fromEntries(Object.keys(this.family.phases).map((p) => [p, this.wireNames(p)]));
    this.stageIndex = index;
    this.current = stageConfig(this.config, index);
    checkFreezeNets(this.current, this.nets, `stages[${index}]`);
    for (const phase of Object.keys(this.family.phases)) {
      const names = this.wireNames(phase);
      if (names.join('\n') === before[phase].join('\n')) continue;
      this.adam[phase] = carryAdam(this.adam[phase], before[phase], names, this.phaseWeights(phase).map((w) => w.length));
    }
  }

  /** The networks samples are drawn from: G's EMA in place of G when train.ema is on. */
  sampleNets(): Record<string, tf.LayersModel> {
    const nets = this.models();
    if (!this.ema) return nets;
    if (this.ema.synced !== this.ema.version) {
      const w = this.ema.weights;
      tf.tidy(() => this.ema!.net.setWeights(w.values.map((v, i) => tf.tensor(v, w.shapes[i]))));
      this.ema.synced = this.ema.version;
    }
    setFadeAlpha(this.ema.net, this.alpha);
    return { ...nets, G: this.ema.net };
  }

  /** A network's weights as wire tensors (views, no copy). */
  wire(net: string): WireTensor[] {
    const w = this.weights[net];
    return w.values.map((data, i) => ({ name: w.names[i], dtype: 'float32', shape: w.shapes[i], data }));
  }

  /** The coordinator's networks with the current master weights. */
  models(): Record<string, tf.LayersModel> {
    for (const [net, model] of Object.entries(this.nets)) {
      if (this.synced[net] === this.versions[net]) continue;
      const w = this.weights[net];
      tf.tidy(() => model.setWeights(w.values.map((v, i) => tf.tensor(v, w.shapes[i]))));
      this.synced[net] = this.versions[net];
    }
    for (const model of Object.values(this.nets)) setFadeAlpha(model, this.alpha);
    return this.nets;
  }

  checkpoint(step: number, meta: Record<string, unknown>): CheckpointData {
    const state: Record<string, NamedArray[]> = {};
    const adamSteps: Record<string, number> = {};
    const adamStarts: Record<string, number[]> = {};
    for (const [phase, adam] of Object.entries(this.adam)) {
      const names = this.family.phases[phase].updates.flatMap((net) => this.trainable(net).map((i) => this.weights[net].names[i]));
      const shapes = this.family.phases[phase].updates.flatMap((net) => this.trainable(net).map((i) => this.weights[net].shapes[i]));
      state[`adam-${phase}`] = [
        ...adam.m.map((data, i) => ({ name: `${names[i]}/m`, shape: shapes[i], data })),
        ...adam.v.map((data, i) => ({ name: `${names[i]}/v`, shape: shapes[i], data })),
      ];
      adamSteps[phase] = adam.t;
      if (adam.start) adamStarts[phase] = adam.start;
    }
    const growth = {
      ...(this.stage ? { growth: { ...this.stage } } : {}),
      ...(Object.keys(adamStarts).length > 0 ? { adamStarts } : {}),
      ...(this.stageIndex !== undefined ? { stage: this.stageIndex } : {}),
    };
    const networks = this.ema ? { ...this.models(), [EMA_NET]: this.sampleNets().G } : this.models();
    return { step, config: this.config, networks, state, meta: { ...meta, versions: { ...this.versions }, adamSteps, ...growth } };
  }

  dispose(): void {
    for (const model of Object.values(this.nets)) model.dispose();
    this.ema?.net.dispose();
  }
}
