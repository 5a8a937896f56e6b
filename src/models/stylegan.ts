// StyleGAN-lite: the style-based generator (Karras et al. 2019; StyleGAN2's modulated convolutions and skip
// generator, Karras et al. 2020) at a fixed 28x28, flat [B, H*W*C] at the network boundary like every family:
//   mapping  z -> LatentNorm -> mappingLayers x (dense wDim with lr multiplier, LReLU 0.2) -> w; the EMA of w (WAverage) for truncation;
//            in training a second keyed z through the same mapping for style mixing -> ws [B, L, wDim], L = 6
//   synthesis (ws[l] styles layer l; every conv is modulated + demodulated, + noise, + bias, LReLU):
//     7x7    const [7, 7, g] -> conv3x3 (ws0)                              -> toRGB 1x1 (ws1, no demod)
//     14x14  up 2x -> conv3x3 (ws1) -> conv3x3 (ws2)                       -> toRGB (ws3) + up 2x (rgb 7x7)
//     28x28  up 2x -> conv3x3 (ws3) -> conv3x3 (ws4)                       -> toRGB (ws5) + up 2x (rgb 14x14)
//     -> tanh.  Each resolution is one `synthesisBlock` with its own toRGB, so a progressive schedule can later
//     grow the block list and fade the new toRGB in (issue 6a's stages); nothing here assumes the count.
//   D: the DCGAN discriminator (dcgan.ts) with per-micro-shard BatchNorm by default: its batch statistics let D see
//   a batch's lack of variety (StyleGAN's minibatch-stddev layer does that job there; issue 6's ProGAN part builds it).
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig, StyleganConfig } from '../config/index.js';
import { discriminator } from './dcgan.js';
import type { ImageShape, ModelFamily } from './family.js';
import { initialWeightsBy, Upsample2x } from './layers/index.js';
import { LatentNorm, MappingDense, MixingLatent, StyleMixing, WAverage } from './layers/style-mapping.js';
import { ModulatedConv2D, NoiseInjection, StyleConst } from './layers/style-conv.js';
import { styleGeneratorWeights } from './layers/style-init.js';

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

/** Resolutions of the synthesis blocks for an image: H/4, H/2, H (7, 14, 28 for MNIST). */
export function styleResolutions(image: ImageShape): number[] {
  if (image.height % 4 !== 0 || image.width !== image.height) throw new Error(`stylegan: square images with a side divisible by 4 (got ${image.height}x${image.width})`);
  return [image.height / 4, image.height / 2, image.height];
}

/** How many w's the synthesis network takes: one per conv, plus the last toRGB's. */
export function numWs(blocks: number): number {
  return 2 * blocks;
}

interface Synth { cfg: StyleganConfig; seed: number; ws: Sym; channels: number }

/** A modulated conv, its noise and bias, LReLU: one StyleGAN2 SynthesisLayer. */
function styleLayer(s: Synth, name: string, x: Sym, styleIndex: number): Sym {
  let h = apply(new ModulatedConv2D({ name: `${name}_conv`, filters: s.cfg.gChannels, kernelSize: 3, styleIndex, demodulate: true }), [x, s.ws]);
  h = apply(new NoiseInjection({ name: `${name}_noise`, seed: s.seed }), h);
  return apply(tf.layers.leakyReLU({ name: `${name}_lrelu`, alpha: s.cfg.leak }), h);
}

/**
 * Synthesis block `i` (resolution index): block 0 is the constant and one conv; later blocks upsample and run two
 * convs. Returns the features and the block's image (its toRGB plus the upsampled image of the block below).
 */
export function synthesisBlock(s: Synth, i: number, x: Sym | undefined, rgb: Sym | undefined): { x: Sym; rgb: Sym } {
  const name = `G_b${i}`;
  let h: Sym;
  if (i === 0) {
    h = styleLayer(s, `${name}_l0`, x ?? s.ws, 0);
  } else {
    h = apply(new Upsample2x({ name: `${name}_up` }), x as Sym);
    h = styleLayer(s, `${name}_l0`, h, 2 * i - 1);
    h = styleLayer(s, `${name}_l1`, h, 2 * i);
  }
  let out = apply(new ModulatedConv2D({ name: `${name}_torgb`, filters: s.channels, kernelSize: 1, styleIndex: 2 * i + 1, demodulate: false }), [h, s.ws]);
  if (rgb) out = apply(tf.layers.add({ name: `${name}_skip` }), [apply(new Upsample2x({ name: `${name}_rgb_up` }), rgb), out]);
  return { x: h, rgb: out };
}

function generator(cfg: StyleganConfig, image: ImageShape, seed: number): tf.LayersModel {
  const res = styleResolutions(image);
  const L = numWs(res.length);
  const z = tf.input({ shape: [cfg.latentDim], name: 'G_z' });
  // The mapping layers are shared by both z's of style mixing.
  const norm = new LatentNorm({ name: 'G_z_norm' });
  const layers = Array.from({ length: cfg.mappingLayers }, (_, i) => [
    new MappingDense({ name: `G_map${i}`, units: cfg.wDim, lrMul: cfg.mappingLrMul }),
    tf.layers.leakyReLU({ name: `G_map${i}_lrelu`, alpha: cfg.leak }),
  ]).flat();
  const mapping = (zz: Sym) => layers.reduce((h, l) => apply(l, h), apply(norm, zz)); // [B, wDim]
  const w = apply(new WAverage({ name: 'G_w_avg', beta: cfg.wAvgBeta }), mapping(z));
  const w2 = mapping(apply(new MixingLatent({ name: 'G_mix_z' }), z));
  const ws = apply(new StyleMixing({ name: 'G_mixing', numWs: L, prob: cfg.styleMixing }), [w, w2]); // [B, L, wDim]
  const s: Synth = { cfg, seed, ws, channels: image.channels };
  let x: Sym | undefined = apply(new StyleConst({ name: 'G_const', shape: [res[0], res[0], cfg.gChannels] }), ws); // [B, 7, 7, g]
  let rgb: Sym | undefined;
  for (let i = 0; i < res.length; i++) ({ x, rgb } = synthesisBlock(s, i, x, rgb)); // rgb [B, res[i], res[i], C]
  const out = apply(tf.layers.activation({ name: 'G_tanh', activation: 'tanh' }), rgb as Sym);
  return tf.model({ inputs: z, outputs: apply(tf.layers.flatten({ name: 'G_flat' }), out), name: 'G' }); // [B, 784]
}


/**
 * Sets the truncation psi of a style-based G (w' = w_avg + psi (w - w_avg) outside training; 1: none).
 * Returns false when G has no mean w (not a style-based generator).
 */
export function setTruncation(G: tf.LayersModel, psi: number): boolean {
  const layers = G.layers.filter((l): l is WAverage => l instanceof WAverage);
  for (const l of layers) l.psi = psi;
  return layers.length > 0;
}

export const stylegan: ModelFamily = {
  name: 'stylegan',
  kind: 'gan',
  phases: { D: { updates: ['D'], usesData: true }, G: { updates: ['G'], usesData: false } },
  build(model: ModelConfig, image: ImageShape) {
    const cfg = model as StyleganConfig;
    // The noise maps used outside training are keyed by a seed saved with the layer; the family's build does not
    // see the run seed, so they use 0: a fixed, documented choice (the training noise is keyed by the run seed).
    return { G: generator(cfg, image, 0), D: discriminator({ ...cfg, family: 'dcgan', dropout: 0, init: cfg.init }, image) };
  },
  initialWeights(model, net, seed, config) {
    return net === 'G' || net === 'G_ema' ? styleGeneratorWeights(model, net, seed, (config as StyleganConfig).mappingLrMul) : initialWeightsBy((config as StyleganConfig).init)(model, net, seed);
  },
};
