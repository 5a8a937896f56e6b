// Frozen layers (config `freeze`; FreezeD, Mo et al. 2020): which weights of a network training leaves alone.
// A frozen weight gets no gradient on the workers, no Adam state on the coordinator and no bytes in GRADS.
// A frozen layer's state (BatchNorm running statistics, spectral norm's u) is frozen with it: in training the layer
// still normalises with batch statistics (as PyTorch's with requires_grad off), but nothing it records is sent or
// merged (as Keras' running statistics of a layer with trainable = False), so every weight of a frozen layer stays
// byte-identical. With the first blocks frozen (the usual case) a frozen layer's inputs do not change either, so
// its running statistics stay valid.
import type * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/index.js';
import type { FreezeSpec } from '../config/freeze.js';
import { ConfigError } from '../errors.js';
import { modelFamily, type ImageShape } from '../models/index.js';

/** One block of a network: its key (first layer's name, or a residual block's prefix) and its layers with weights. */
export interface LayerBlock { key: string; layers: string[] }

/**
 * The layers with weights of a network grouped into blocks, input to output. A block opens at each layer with a
 * kernel (dense, convolution, attention); normalisation and embedding layers join the block before them (DCGAN's
 * conv + BatchNorm, the projection discriminator's head). Layers named `<net>_block<k>_...` (residual blocks)
 * form one block per k. The seed MLPs' blocks are their dense layers: D_fc0 | D_fc1 | D_fc2 | D_out.
 */
export function layerBlocks(model: tf.LayersModel): LayerBlock[] {
  const blocks: LayerBlock[] = [];
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const residual = /^(.*_block\d+)_/.exec(layer.name)?.[1];
    const last = blocks.at(-1);
    // After a residual block, a layer outside it starts a new block even without a kernel (ResNet G's final BatchNorm).
    const opens = residual !== undefined ? residual !== last?.key : !last || /_block\d+$/.test(last.key) || layer.weights.some(isKernel);
    if (opens || !last) blocks.push({ key: residual ?? layer.name, layers: [layer.name] });
    else last.layers.push(layer.name);
  }
  return blocks;
}

function isKernel(w: tf.LayerVariable): boolean {
  return /kernel$/.test(w.originalName);
}

/** The layer names a spec freezes in `model`; anything unknown, or freezing every block, is a ConfigError naming the key. */
export function frozenLayers(spec: FreezeSpec, net: string, model: tf.LayersModel, source = 'config'): Set<string> {
  const blocks = layerBlocks(model);
  const list = blocks.map((b) => b.key + (b.layers.length > 1 ? `(${b.layers.join('+')})` : '')).join(' | ');
  const frozen = new Set<string>();
  if (!Array.isArray(spec)) {
    if (spec.firstBlocks >= blocks.length) {
      throw new ConfigError(
        `${source}: freeze.${net}.firstBlocks: ${spec.firstBlocks} would freeze all ${blocks.length} blocks of ${net} (${list})`,
        { hint: 'leave at least one block to train' },
      );
    }
    for (const b of blocks.slice(0, spec.firstBlocks)) for (const l of b.layers) frozen.add(l);
    return frozen;
  }
  spec.forEach((name, i) => {
    const block = blocks.find((b) => b.key === name || b.layers.includes(name));
    if (!block) throw new ConfigError(`${source}: freeze.${net}[${i}]: ${net} has no layer '${name}' (its blocks: ${list})`);
    if (block.key === name) for (const l of block.layers) frozen.add(l);
    else frozen.add(name);
  });
  if (model.layers.every((l) => l.trainableWeights.length === 0 || frozen.has(l.name))) {
    throw new ConfigError(`${source}: freeze.${net}: freezes every layer of ${net}`, { hint: 'leave at least one layer to train' });
  }
  return frozen;
}

/** By model, then by spec (a stage may freeze other layers than the run: src/config/stage-config.ts). */
const cache = new WeakMap<tf.LayersModel, Map<FreezeSpec | undefined, ReadonlySet<string>>>();

/**
 * The original names (`D_fc0/kernel`, `G_bn0/moving_mean`) of the weights of network `net` that `config.freeze`
 * freezes, trainable and state alike. Cached per model: replicas and the master ask for every shard and step.
 */
export function frozenWeights(config: Readonly<Config>, net: string, model: tf.LayersModel): ReadonlySet<string> {
  const spec = config.freeze[net];
  let specs = cache.get(model);
  if (!specs) cache.set(model, (specs = new Map()));
  let names = specs.get(spec);
  if (!names) {
    const layers = spec ? frozenLayers(spec, net, model) : new Set<string>();
    names = new Set(model.layers.filter((l) => layers.has(l.name)).flatMap((l) => l.weights.map((w) => w.originalName)));
    specs.set(spec, names);
  }
  return names;
}

/** Checks every key of `config.freeze` against built networks: unknown networks, layers or block counts are ConfigErrors. */
export function checkFreezeNets(config: Readonly<Config>, nets: Readonly<Record<string, tf.LayersModel>>, source = 'config'): void {
  for (const [net, spec] of Object.entries(config.freeze)) {
    const model = nets[net];
    if (!model) throw new ConfigError(`${source}: freeze.${net}: unknown network (this model has ${Object.keys(nets).join(', ')})`);
    frozenLayers(spec, net, model, source);
  }
}

/** checkFreezeNets on networks built here for the purpose, then disposed: run set-up calls it before a run folder exists. */
export function checkFreeze(config: Readonly<Config>, image: ImageShape, source = 'config'): void {
  if (Object.keys(config.freeze).length === 0) return;
  const nets = modelFamily(config.model.family).build(config.model, image);
  try {
    checkFreezeNets(config, nets, source);
  } finally {
    for (const m of Object.values(nets)) m.dispose();
  }
}
