// ProGAN (Karras et al. 2018, "Progressive Growing of GANs") for MNIST-sized images, as the paper's Table 2
// scaled down: resolutions base, 2 base, ... up to the image side (7 -> 14 -> 28 for 28x28 and 3 channel counts).
//   G: z -> pixel norm -> dense base x base x c0 -> LReLU, PN -> conv3x3 -> LReLU, PN
//      per higher resolution r: upsample 2x -> conv3x3 -> LReLU, PN -> conv3x3 -> LReLU, PN;  toRGB_r: conv1x1, linear
//   D: fromRGB_r: conv1x1, LReLU; per resolution r above the base: conv3x3 -> LReLU -> conv3x3 -> LReLU -> avgpool 2x
//      base: minibatch stddev -> conv3x3 -> LReLU -> dense c0 -> LReLU -> dense 1 (a WGAN score)
// While resolution r fades in, G blends up2x(toRGB_{r/2}(h_{r/2})) with toRGB_r(h_r) and D blends
// fromRGB_{r/2}(pool2x(x)) with the output of its block r, by alpha (Figure 2). Every layer uses the
// equalized learning rate (weights N(0, 1), scaled at run time). Images cross the network boundary flat at the
// full resolution, [B, H*W*C], as every family's do: G's output is upsampled (nearest) to the image size, D
// average-pools its input down to the stage's resolution, so sampling, grids and metrics need no change.
// Layers are named by resolution (G_14_conv1, D_fromrgb_7, ...): a grown network keeps its weights' names.
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig, ProganConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { KeyedRandom } from '../rng.js';
import type { GrowthStage, ImageShape, ModelFamily, NamedWeights } from './family.js';
import { AvgPoolBy, EqualizedLayer, FadeIn, MinibatchStddev, PixelNorm, UpsampleBy } from './layers/index.js';

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

/** The resolutions of the networks, base first (image side / 2^(n-1) ... image side). */
export function resolutions(cfg: ProganConfig, image: ImageShape): number[] {
  const n = cfg.channels.length;
  const base = image.height / 2 ** (n - 1);
  if (image.height !== image.width || !Number.isInteger(base)) {
    throw new ConfigError(`model.channels: ${n} resolutions do not fit ${image.height}x${image.width} images (the side must be a multiple of 2^${n - 1})`);
  }
  return cfg.channels.map((_, i) => base * 2 ** i);
}

/** The index of `stage.resolution` among the networks' resolutions (a ConfigError when it is not one of them). */
function levelOf(cfg: ProganConfig, image: ImageShape, stage: GrowthStage): number {
  const res = resolutions(cfg, image);
  const level = res.indexOf(stage.resolution);
  if (level < 0) throw new ConfigError(`stages: resolution ${stage.resolution} is not one of the model's (${res.join(', ')})`);
  if (stage.fading && level === 0) throw new ConfigError(`stages: resolution ${stage.resolution} is the base; nothing fades out`);
  return level;
}

function lrelu(name: string, leak: number, x: Sym): Sym {
  return apply(tf.layers.leakyReLU({ name, alpha: leak }), x);
}

/** conv3x3 (equalized LR) -> LReLU -> pixel norm (when on). */
function gConv(cfg: ProganConfig, name: string, units: number, x: Sym): Sym {
  const h = lrelu(`${name}_lrelu`, cfg.leak, apply(new EqualizedLayer({ name, units, kernelSize: 3 }), x));
  return cfg.pixelNorm ? apply(new PixelNorm({ name: `${name}_pn` }), h) : h;
}

const toRgb = (r: number, channels: number) => new EqualizedLayer({ name: `G_torgb_${r}`, units: channels, kernelSize: 1, gain: 1 });

export function generator(cfg: ProganConfig, image: ImageShape, stage: GrowthStage): tf.LayersModel {
  const res = resolutions(cfg, image);
  const level = levelOf(cfg, image, stage);
  const base = res[0];
  const z = tf.input({ shape: [cfg.latentDim], name: 'G_z' });
  let h = cfg.pixelNorm ? apply(new PixelNorm({ name: 'G_pn_z' }), z) : z;
  h = apply(new EqualizedLayer({ name: 'G_fc', units: base * base * cfg.channels[0], gain: Math.SQRT2 / 4 }), h); // paper: gain sqrt(2)/4 on the 4x4 dense
  h = apply(tf.layers.reshape({ name: 'G_reshape', targetShape: [base, base, cfg.channels[0]] }), h); // [B, 7, 7, c0]
  h = lrelu('G_fc_lrelu', cfg.leak, h);
  if (cfg.pixelNorm) h = apply(new PixelNorm({ name: 'G_fc_pn' }), h);
  h = gConv(cfg, `G_${base}_conv`, cfg.channels[0], h);
  let previous = h;
  for (let i = 1; i <= level; i++) {
    previous = h;
    h = apply(new UpsampleBy({ name: `G_${res[i]}_up`, factor: 2 }), h); // [B, r, r, c_{i-1}]
    h = gConv(cfg, `G_${res[i]}_conv1`, cfg.channels[i], h);
    h = gConv(cfg, `G_${res[i]}_conv2`, cfg.channels[i], h); // [B, r, r, c_i]
  }
  let rgb = apply(toRgb(res[level], image.channels), h); // [B, r, r, C]
  if (stage.fading) {
    const old = apply(new UpsampleBy({ name: 'G_fade_up', factor: 2 }), apply(toRgb(res[level - 1], image.channels), previous));
    rgb = apply(new FadeIn({ name: 'G_fade' }), [old, rgb]);
  }
  rgb = apply(new UpsampleBy({ name: 'G_out_up', factor: image.height / res[level] }), rgb); // [B, H, W, C]
  return tf.model({ inputs: z, outputs: apply(tf.layers.flatten({ name: 'G_flat' }), rgb), name: 'G' }); // [B, H*W*C]
}

export function discriminator(cfg: ProganConfig, image: ImageShape, stage: GrowthStage): tf.LayersModel {
  const res = resolutions(cfg, image);
  const level = levelOf(cfg, image, stage);
  const eq = (name: string, units: number, kernelSize?: number, gain?: number) => new EqualizedLayer({ name, units, kernelSize, gain });
  const fromRgb = (i: number, x: Sym) => lrelu(`D_fromrgb_${res[i]}_lrelu`, cfg.leak, apply(eq(`D_fromrgb_${res[i]}`, cfg.channels[i], 1), x));
  const x = tf.input({ shape: [image.height * image.width * image.channels], name: 'D_x' });
  let img = apply(tf.layers.reshape({ name: 'D_reshape', targetShape: [image.height, image.width, image.channels] }), x);
  img = apply(new AvgPoolBy({ name: 'D_pool', factor: image.height / res[level] }), img); // [B, r, r, C]
  let h = fromRgb(level, img); // [B, r, r, c_level]
  for (let i = level; i >= 1; i--) {
    h = lrelu(`D_${res[i]}_conv1_lrelu`, cfg.leak, apply(eq(`D_${res[i]}_conv1`, cfg.channels[i], 3), h));
    h = lrelu(`D_${res[i]}_conv2_lrelu`, cfg.leak, apply(eq(`D_${res[i]}_conv2`, cfg.channels[i - 1], 3), h));
    h = apply(new AvgPoolBy({ name: `D_${res[i]}_down`, factor: 2 }), h); // [B, r/2, r/2, c_{i-1}]
    if (i === level && stage.fading) {
      const old = fromRgb(level - 1, apply(new AvgPoolBy({ name: 'D_fade_pool', factor: 2 }), img));
      h = apply(new FadeIn({ name: 'D_fade' }), [old, h]);
    }
  }
  if (cfg.mbstd) h = apply(new MinibatchStddev({ name: 'D_mbstd' }), h); // [B, 7, 7, c0 + 1]
  h = lrelu(`D_${res[0]}_conv_lrelu`, cfg.leak, apply(eq(`D_${res[0]}_conv`, cfg.channels[0], 3), h));
  h = apply(tf.layers.flatten({ name: 'D_flat' }), h);
  h = lrelu('D_fc_lrelu', cfg.leak, apply(eq('D_fc', cfg.channels[0]), h));
  const score = apply(eq('D_out', 1, undefined, 1), h); // [B, 1]
  return tf.model({ inputs: x, outputs: score, name: 'D' });
}

/** Equalized LR's init: every kernel N(0, 1) keyed by (seed, 'init', network, weight name), biases 0. */
function initialWeights(model: tf.LayersModel, net: string, seed: number): NamedWeights {
  const names = model.weights.map((w) => w.originalName);
  const shapes = model.weights.map((w) => w.shape as number[]);
  const values = model.weights.map((w, i) => {
    const n = shapes[i].reduce((a, b) => a * b, 1);
    return w.originalName.endsWith('/kernel') ? new KeyedRandom(seed, 'init', net, w.originalName).normal(n) : new Float32Array(n);
  });
  return { names, shapes, values };
}

export const progan: ModelFamily = {
  name: 'progan',
  kind: 'gan',
  phases: { D: { updates: ['D'], usesData: true }, G: { updates: ['G'], usesData: false } },
  build(model: ModelConfig, image: ImageShape, stage?: GrowthStage) {
    const cfg = model as ProganConfig;
    const at = stage ?? { resolution: image.height, fading: false };
    return { G: generator(cfg, image, at), D: discriminator(cfg, image, at) };
  },
  initialWeights(model, net, seed) {
    return initialWeights(model, net, seed);
  },
  stageOfWeights(net, names) {
    const pattern = net === 'G' ? /^G_torgb_(\d+)\// : /^D_fromrgb_(\d+)\//;
    const found = [...new Set(names.flatMap((n) => pattern.exec(n)?.[1] ?? []))].map(Number);
    if (found.length === 0) throw new ConfigError(`progan: no ${net === 'G' ? 'toRGB' : 'fromRGB'} weights in network ${net}`);
    return { resolution: Math.max(...found), fading: found.length > 1 };
  },
};
