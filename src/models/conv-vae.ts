// Convolutional VAE (Kingma & Welling 2014 with DCGAN-style conv networks), images flat [B, H*W*C] at the
// boundary like the seed VAE:
//   encoder: conv 4x4/2 (c) ReLU -> conv 4x4/2 (2c) ReLU -> flatten -> (mu [L], logvar [L])
//   decoder: z -> dense 7x7x2c ReLU -> convT 4x4/2 (c) ReLU -> convT 4x4/2 (C) -> logits [B, H*W*C]
// The decoder emits logits: Bernoulli p(x|z) uses them directly, the Gaussian one takes sigmoid(logits) as
// its mean (src/losses/gaussian-decoder.ts); samples are sigmoid(logits) either way.
import * as tf from '@tensorflow/tfjs';
import type { ConvVaeConfig, ModelConfig } from '../config/index.js';
import type { ImageShape, ModelFamily } from './family.js';
import { initialWeightsBy } from './layers/index.js';

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym) => layer.apply(x) as Sym;

function encoder(cfg: ConvVaeConfig, image: ImageShape): tf.LayersModel {
  const x = tf.input({ shape: [image.height * image.width * image.channels], name: 'enc_x' });
  let h = apply(tf.layers.reshape({ name: 'enc_reshape', targetShape: [image.height, image.width, image.channels] }), x);
  h = apply(tf.layers.conv2d({ name: 'enc_conv1', filters: cfg.channels, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: 'zeros' }), h); // [B, 14, 14, c]
  h = apply(tf.layers.conv2d({ name: 'enc_conv2', filters: 2 * cfg.channels, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: 'zeros' }), h); // [B, 7, 7, 2c]
  h = apply(tf.layers.flatten({ name: 'enc_flat' }), h);
  const mu = apply(tf.layers.dense({ name: 'enc_mu', units: cfg.latentDim, kernelInitializer: 'zeros' }), h);
  const logvar = apply(tf.layers.dense({ name: 'enc_logvar', units: cfg.latentDim, kernelInitializer: 'zeros' }), h);
  return tf.model({ inputs: x, outputs: [mu, logvar], name: 'encoder' });
}

function decoder(cfg: ConvVaeConfig, image: ImageShape): tf.LayersModel {
  const [h0, w0] = [image.height / 4, image.width / 4];
  const z = tf.input({ shape: [cfg.latentDim], name: 'dec_z' });
  let h = apply(tf.layers.dense({ name: 'dec_fc', units: h0 * w0 * 2 * cfg.channels, activation: 'relu', kernelInitializer: 'zeros' }), z);
  h = apply(tf.layers.reshape({ name: 'dec_reshape', targetShape: [h0, w0, 2 * cfg.channels] }), h);
  h = apply(tf.layers.conv2dTranspose({ name: 'dec_up1', filters: cfg.channels, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: 'zeros' }), h); // [B, 14, 14, c]
  h = apply(tf.layers.conv2dTranspose({ name: 'dec_up2', filters: image.channels, kernelSize: 4, strides: 2, padding: 'same', kernelInitializer: 'zeros' }), h); // [B, 28, 28, C]
  return tf.model({ inputs: z, outputs: apply(tf.layers.flatten({ name: 'dec_flat' }), h), name: 'decoder' }); // logits [B, 784]
}

export const convVae: ModelFamily = {
  name: 'conv-vae',
  kind: 'vae',
  phases: { VAE: { updates: ['encoder', 'decoder'], usesData: true } },
  build(model: ModelConfig, image: ImageShape) {
    const cfg = model as ConvVaeConfig;
    return { encoder: encoder(cfg, image), decoder: decoder(cfg, image) };
  },
  initialWeights(model, net, seed, config) {
    return initialWeightsBy((config as ConvVaeConfig).init)(model, net, seed);
  },
};
