// ResNet GAN in the SNGAN style (Miyato et al. 2018, appendix B; Gulrajani et al. 2017's residual blocks),
// scaled to 28x28 images, flat [B, H*W*C] at the network boundary like every family here:
//   G: z -> dense 7x7xg -> GBlock up (14x14) -> GBlock up (28x28) -> BN, ReLU, conv3x3 -> C, tanh
//      GBlock: BN, ReLU, up, conv3x3, BN, ReLU, conv3x3  +  shortcut up, conv1x1
//   D: DBlock0 down (14x14) -> DBlock down (7x7) -> DBlock -> ReLU -> global sum pool -> linear (SN on all)
//      DBlock0: conv3x3, ReLU, conv3x3, pool  +  pool, conv1x1;  DBlock: ReLU, conv3x3, ReLU, conv3x3, [pool]
//      + conv1x1, [pool] (the shortcut is the identity when neither channels nor size change)
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig, ResnetGanConfig } from '../config/index.js';
import { conv, dense } from './dcgan.js';
import type { ImageShape, ModelFamily } from './family.js';
import { AvgPool2x, GlobalSumPool, initialWeightsBy, ShardBatchNorm, Upsample2x } from './layers/index.js';

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;
const relu = (name: string, x: Sym) => apply(tf.layers.reLU({ name }), x);

function gBlock(name: string, x: Sym, ch: number): Sym {
  let h = relu(`${name}_relu1`, apply(new ShardBatchNorm({ name: `${name}_bn1` }), x));
  h = apply(new Upsample2x({ name: `${name}_up` }), h);
  h = apply(conv(`${name}_conv1`, ch, 3, 1, false), h);
  h = relu(`${name}_relu2`, apply(new ShardBatchNorm({ name: `${name}_bn2` }), h));
  h = apply(conv(`${name}_conv2`, ch, 3, 1, false), h);
  const s = apply(conv(`${name}_sc`, ch, 1, 1, false), apply(new Upsample2x({ name: `${name}_sc_up` }), x));
  return apply(tf.layers.add({ name: `${name}_add` }), [h, s]);
}

function dBlock(name: string, x: Sym, ch: number, sn: boolean, opts: { first: boolean; down: boolean }): Sym {
  const inCh = x.shape[3] as number;
  let h = opts.first ? x : relu(`${name}_relu1`, x);
  h = apply(conv(`${name}_conv1`, ch, 3, 1, sn), h);
  h = apply(conv(`${name}_conv2`, ch, 3, 1, sn), relu(`${name}_relu2`, h));
  if (opts.down) h = apply(new AvgPool2x({ name: `${name}_pool` }), h);
  let s = x;
  if (opts.first) {
    s = apply(conv(`${name}_sc`, ch, 1, 1, sn), apply(new AvgPool2x({ name: `${name}_sc_pool` }), x));
  } else if (opts.down || inCh !== ch) {
    s = apply(conv(`${name}_sc`, ch, 1, 1, sn), x);
    if (opts.down) s = apply(new AvgPool2x({ name: `${name}_sc_pool` }), s);
  }
  return apply(tf.layers.add({ name: `${name}_add` }), [h, s]);
}

function generator(cfg: ResnetGanConfig, image: ImageShape): tf.LayersModel {
  const [h0, w0] = [image.height / 4, image.width / 4];
  const z = tf.input({ shape: [cfg.latentDim], name: 'G_z' });
  let h = apply(tf.layers.dense({ name: 'G_fc', units: h0 * w0 * cfg.gChannels, kernelInitializer: 'zeros' }), z);
  h = apply(tf.layers.reshape({ name: 'G_reshape', targetShape: [h0, w0, cfg.gChannels] }), h); // [B, 7, 7, g]
  h = gBlock('G_block1', h, cfg.gChannels); // [B, 14, 14, g]
  h = gBlock('G_block2', h, cfg.gChannels); // [B, 28, 28, g]
  h = relu('G_relu_out', apply(new ShardBatchNorm({ name: 'G_bn_out' }), h));
  h = apply(conv('G_conv_out', image.channels, 3, 1, false), h);
  h = apply(tf.layers.activation({ name: 'G_tanh', activation: 'tanh' }), h);
  return tf.model({ inputs: z, outputs: apply(tf.layers.flatten({ name: 'G_flat' }), h), name: 'G' }); // [B, 784]
}

/** D's features [B, d] before the linear head (shared with the conditional families). */
export function resnetFeatures(cfg: { dChannels: number; dNorm: string }, image: ImageShape, x: Sym): Sym {
  const sn = cfg.dNorm === 'spectral';
  let h = apply(tf.layers.reshape({ name: 'D_reshape', targetShape: [image.height, image.width, image.channels] }), x);
  h = dBlock('D_block1', h, cfg.dChannels, sn, { first: true, down: true }); // [B, 14, 14, d]
  h = dBlock('D_block2', h, cfg.dChannels, sn, { first: false, down: true }); // [B, 7, 7, d]
  h = dBlock('D_block3', h, cfg.dChannels, sn, { first: false, down: false }); // [B, 7, 7, d]
  return apply(new GlobalSumPool({ name: 'D_sum' }), relu('D_relu_out', h)); // [B, d]
}

function discriminator(cfg: ResnetGanConfig, image: ImageShape): tf.LayersModel {
  const x = tf.input({ shape: [image.height * image.width * image.channels], name: 'D_x' });
  const logit = apply(dense('D_out', 1, cfg.dNorm === 'spectral'), resnetFeatures(cfg, image, x)); // [B, 1]
  return tf.model({ inputs: x, outputs: logit, name: 'D' });
}

export const resnetGan: ModelFamily = {
  name: 'resnet-gan',
  kind: 'gan',
  phases: { D: { updates: ['D'], usesData: true }, G: { updates: ['G'], usesData: false } },
  build(model: ModelConfig, image: ImageShape) {
    const cfg = model as ResnetGanConfig;
    return { G: generator(cfg, image), D: discriminator(cfg, image) };
  },
  initialWeights(model, net, seed, config) {
    return initialWeightsBy((config as ResnetGanConfig).init)(model, net, seed);
  },
};
