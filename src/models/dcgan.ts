// DCGAN (Radford et al. 2016, "Unsupervised Representation Learning with Deep Convolutional GANs") for
// 28x28 images, as PyTorch's examples/dcgan scaled to MNIST:
//   G: z[100] -> dense 7x7x(2g) -> BN, ReLU -> convT 4x4/2 -> 14x14xg -> BN, ReLU -> convT 4x4/2 -> 28x28xC, tanh
//   D: conv 4x4/2 -> 14x14xd, LReLU(0.2) -> conv 4x4/2 -> 7x7x(2d) [BN | SN], LReLU -> [dropout] -> dense -> logit
// Images cross the network boundary flat, [B, H*W*C] in NHWC order, as the seed models' do.
import * as tf from '@tensorflow/tfjs';
import type { DcganConfig, ModelConfig } from '../config/index.js';
import type { ImageShape, ModelFamily } from './family.js';
import { initialWeightsBy, KeyedDropout, SelfAttention, ShardBatchNorm, SNConv2D, SNDense } from './layers/index.js';

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

/** D's hidden-layer normalization or SN-wrapped layers, shared with the other families. */
export function conv(name: string, filters: number, kernel: number, stride: number, sn: boolean, useBias = true): tf.layers.Layer {
  return sn
    ? new SNConv2D({ name, filters, kernelSize: kernel, strides: stride, padding: 'same', useBias })
    : tf.layers.conv2d({ name, filters, kernelSize: kernel, strides: stride, padding: 'same', useBias, kernelInitializer: 'zeros' });
}

export function dense(name: string, units: number, sn: boolean, useBias = true): tf.layers.Layer {
  return sn ? new SNDense({ name, units, useBias }) : tf.layers.dense({ name, units, useBias, kernelInitializer: 'zeros' });
}

export function generator(cfg: DcganConfig, image: ImageShape, attention = false): tf.LayersModel {
  const [h0, w0] = [image.height / 4, image.width / 4];
  const z = tf.input({ shape: [cfg.latentDim], name: 'G_z' });
  let h = apply(tf.layers.dense({ name: 'G_fc', units: h0 * w0 * 2 * cfg.gChannels, useBias: false, kernelInitializer: 'zeros' }), z);
  h = apply(new ShardBatchNorm({ name: 'G_bn0' }), h);
  h = apply(tf.layers.reLU({ name: 'G_relu0' }), h);
  h = apply(tf.layers.reshape({ name: 'G_reshape', targetShape: [h0, w0, 2 * cfg.gChannels] }), h); // [B, 7, 7, 2g]
  h = apply(tf.layers.conv2dTranspose({ name: 'G_up1', filters: cfg.gChannels, kernelSize: 4, strides: 2, padding: 'same', useBias: false, kernelInitializer: 'zeros' }), h); // [B, 14, 14, g]
  h = apply(new ShardBatchNorm({ name: 'G_bn1' }), h);
  h = apply(tf.layers.reLU({ name: 'G_relu1' }), h);
  if (attention) h = apply(new SelfAttention({ name: 'G_attn' }), h); // SAGAN: attention at 14x14
  h = apply(tf.layers.conv2dTranspose({ name: 'G_up2', filters: image.channels, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: 'zeros' }), h); // [B, 28, 28, C]
  h = apply(tf.layers.activation({ name: 'G_tanh', activation: 'tanh' }), h);
  const out = apply(tf.layers.flatten({ name: 'G_flat' }), h); // [B, 784]
  return tf.model({ inputs: z, outputs: out, name: 'G' });
}

export function discriminator(cfg: DcganConfig, image: ImageShape, attention = false): tf.LayersModel {
  const sn = cfg.dNorm === 'spectral';
  const x = tf.input({ shape: [image.height * image.width * image.channels], name: 'D_x' });
  let h = apply(tf.layers.reshape({ name: 'D_reshape', targetShape: [image.height, image.width, image.channels] }), x);
  h = apply(conv('D_conv1', cfg.dChannels, 4, 2, sn), h); // [B, 14, 14, d]
  h = apply(tf.layers.leakyReLU({ name: 'D_lrelu1', alpha: cfg.leak }), h);
  if (cfg.dropout > 0) h = apply(new KeyedDropout({ name: 'D_drop1', rate: cfg.dropout }), h);
  if (attention) h = apply(new SelfAttention({ name: 'D_attn' }), h); // SAGAN: attention at 14x14
  h = apply(conv('D_conv2', 2 * cfg.dChannels, 4, 2, sn, cfg.dNorm !== 'batch'), h); // [B, 7, 7, 2d]
  if (cfg.dNorm === 'batch') h = apply(new ShardBatchNorm({ name: 'D_bn2' }), h);
  h = apply(tf.layers.leakyReLU({ name: 'D_lrelu2', alpha: cfg.leak }), h);
  if (cfg.dropout > 0) h = apply(new KeyedDropout({ name: 'D_drop2', rate: cfg.dropout }), h);
  h = apply(tf.layers.flatten({ name: 'D_flat' }), h);
  const logit = apply(dense('D_out', 1, sn), h); // [B, 1]
  return tf.model({ inputs: x, outputs: logit, name: 'D' });
}

export const dcgan: ModelFamily = {
  name: 'dcgan',
  kind: 'gan',
  phases: { D: { updates: ['D'], usesData: true }, G: { updates: ['G'], usesData: false } },
  build(model: ModelConfig, image: ImageShape) {
    const cfg = model as DcganConfig;
    return { G: generator(cfg, image), D: discriminator(cfg, image) };
  },
  initialWeights(model, net, seed, config) {
    return initialWeightsBy((config as DcganConfig).init)(model, net, seed);
  },
};
