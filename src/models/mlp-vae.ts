// The seed MLP VAE (Kingma & Welling 2014, as in PyTorch's examples/vae):
// encoder 784 -> 400 (ReLU) -> (mu[20], logvar[20]); decoder 20 -> 400 (ReLU) -> 784 Bernoulli logits.
import * as tf from '@tensorflow/tfjs';
import type { MlpVaeConfig, ModelConfig } from '../config/index.js';
import type { ImageShape, ModelFamily } from './family.js';

function encoder(inputs: number, hidden: readonly number[], latent: number): tf.LayersModel {
  const x = tf.input({ shape: [inputs], name: 'enc_x' });
  let h: tf.SymbolicTensor = x;
  hidden.forEach((units, i) => {
    h = tf.layers.dense({ units, activation: 'relu', name: `enc_fc${i}`, kernelInitializer: 'zeros' }).apply(h) as tf.SymbolicTensor;
  });
  const mu = tf.layers.dense({ units: latent, name: 'enc_mu', kernelInitializer: 'zeros' }).apply(h) as tf.SymbolicTensor;
  const logvar = tf.layers.dense({ units: latent, name: 'enc_logvar', kernelInitializer: 'zeros' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: [mu, logvar], name: 'encoder' });
}

function decoder(latent: number, hidden: readonly number[], outputs: number): tf.LayersModel {
  const model = tf.sequential({ name: 'decoder' });
  hidden.forEach((units, i) => {
    model.add(tf.layers.dense({ units, activation: 'relu', name: `dec_fc${i}`, ...(i === 0 ? { inputShape: [latent] } : {}), kernelInitializer: 'zeros' }));
  });
  // Logits, not probabilities: the loss is BCE-with-logits; sampling applies the sigmoid.
  model.add(tf.layers.dense({ units: outputs, name: 'dec_out', kernelInitializer: 'zeros' }));
  return model;
}

export const mlpVae: ModelFamily = {
  name: 'mlp-vae',
  kind: 'vae',
  phases: { VAE: { updates: ['encoder', 'decoder'], usesData: true } },
  build(model: ModelConfig, image: ImageShape) {
    const cfg = model as MlpVaeConfig;
    const pixels = image.height * image.width * image.channels;
    return {
      encoder: encoder(pixels, cfg.hidden, cfg.latentDim),
      decoder: decoder(cfg.latentDim, [...cfg.hidden].reverse(), pixels),
    };
  },
};
