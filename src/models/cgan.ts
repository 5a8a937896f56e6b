// Class-conditional DCGAN for 28x28 (dcgan.ts's networks with the class label y as a second input, one-hot
// [B, K]):
//   G(z, y): gCond 'cbn'    every BatchNorm is conditional (per-class gamma, beta; de Vries et al. 2017)
//            gCond 'concat' z is concatenated with a learned embedding of y (Mirza & Osindero 2014)
//   D:       dCond 'projection' D(x, y) = psi(phi(x)) + <embed(y), phi(x)> (Miyato & Koyama 2018)
//            dCond 'acgan'      D(x) = [logit, class logits (K)] (Odena et al. 2017): output [B, 1 + K]
import * as tf from '@tensorflow/tfjs';
import type { CganConfig, ModelConfig } from '../config/index.js';
import { conv, dense } from './dcgan.js';
import type { ImageShape, ModelFamily } from './family.js';
import { ConditionalBatchNorm, initialWeightsBy, Projection, ShardBatchNorm } from './layers/index.js';

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

function generator(cfg: CganConfig, image: ImageShape): tf.LayersModel {
  const [h0, w0] = [image.height / 4, image.width / 4];
  const z = tf.input({ shape: [cfg.latentDim], name: 'G_z' });
  const y = tf.input({ shape: [cfg.classes], name: 'G_y' });
  const cbn = cfg.gCond === 'cbn';
  const bn = (name: string, h: Sym) => (cbn ? apply(new ConditionalBatchNorm({ name }), [h, y]) : apply(new ShardBatchNorm({ name }), h));
  let h: Sym = z;
  if (!cbn) {
    const e = apply(tf.layers.dense({ name: 'G_embed', units: cfg.embedDim, useBias: false, kernelInitializer: 'zeros' }), y);
    h = apply(tf.layers.concatenate({ name: 'G_concat' }), [z, e]);
  }
  h = apply(tf.layers.dense({ name: 'G_fc', units: h0 * w0 * 2 * cfg.gChannels, useBias: false, kernelInitializer: 'zeros' }), h);
  h = apply(tf.layers.reLU({ name: 'G_relu0' }), bn('G_bn0', h));
  h = apply(tf.layers.reshape({ name: 'G_reshape', targetShape: [h0, w0, 2 * cfg.gChannels] }), h); // [B, 7, 7, 2g]
  h = apply(tf.layers.conv2dTranspose({ name: 'G_up1', filters: cfg.gChannels, kernelSize: 4, strides: 2, padding: 'same', useBias: false, kernelInitializer: 'zeros' }), h);
  h = apply(tf.layers.reLU({ name: 'G_relu1' }), bn('G_bn1', h)); // [B, 14, 14, g]
  h = apply(tf.layers.conv2dTranspose({ name: 'G_up2', filters: image.channels, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: 'zeros' }), h);
  h = apply(tf.layers.activation({ name: 'G_tanh', activation: 'tanh' }), h); // [B, 28, 28, C]
  return tf.model({ inputs: [z, y], outputs: apply(tf.layers.flatten({ name: 'G_flat' }), h), name: 'G' });
}

function discriminator(cfg: CganConfig, image: ImageShape): tf.LayersModel {
  const sn = cfg.dNorm === 'spectral';
  const x = tf.input({ shape: [image.height * image.width * image.channels], name: 'D_x' });
  let h = apply(tf.layers.reshape({ name: 'D_reshape', targetShape: [image.height, image.width, image.channels] }), x);
  h = apply(tf.layers.leakyReLU({ name: 'D_lrelu1', alpha: cfg.leak }), apply(conv('D_conv1', cfg.dChannels, 4, 2, sn), h));
  h = apply(conv('D_conv2', 2 * cfg.dChannels, 4, 2, sn, cfg.dNorm !== 'batch'), h);
  if (cfg.dNorm === 'batch') h = apply(new ShardBatchNorm({ name: 'D_bn2' }), h);
  const phi = apply(tf.layers.flatten({ name: 'D_flat' }), apply(tf.layers.leakyReLU({ name: 'D_lrelu2', alpha: cfg.leak }), h));
  const logit = apply(dense('D_out', 1, sn), phi); // [B, 1]
  if (cfg.dCond === 'acgan') {
    const classes = apply(dense('D_classes', cfg.classes, sn), phi); // [B, K]
    return tf.model({ inputs: x, outputs: apply(tf.layers.concatenate({ name: 'D_concat' }), [logit, classes]), name: 'D' }); // [B, 1 + K]
  }
  const y = tf.input({ shape: [cfg.classes], name: 'D_y' });
  const proj = apply(new Projection({ name: 'D_proj' }), [phi, y]); // [B, 1]
  return tf.model({ inputs: [x, y], outputs: apply(tf.layers.add({ name: 'D_add' }), [logit, proj]), name: 'D' });
}

export const cgan: ModelFamily = {
  name: 'cgan',
  kind: 'gan',
  conditional: true,
  phases: { D: { updates: ['D'], usesData: true }, G: { updates: ['G'], usesData: false } },
  build(model: ModelConfig, image: ImageShape) {
    const cfg = model as CganConfig;
    return { G: generator(cfg, image), D: discriminator(cfg, image) };
  },
  initialWeights(model, net, seed, config) {
    return initialWeightsBy((config as CganConfig).init)(model, net, seed);
  },
};
