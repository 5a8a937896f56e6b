// The seed MLP GAN (Goodfellow et al. 2014, as in PyTorch-GAN's gan.py):
// G: z[100] -> 256 -> 512 -> 1024 -> 784, LeakyReLU(0.2), tanh; D: 784 -> 1024 -> 512 -> 256 -> 1 logit, LeakyReLU(0.2).
import * as tf from '@tensorflow/tfjs';
import type { MlpGanConfig, ModelConfig } from '../config/index.js';
import type { ImageShape, ModelFamily } from './family.js';

function mlp(name: string, inputs: number, hidden: readonly number[], outputs: number, leak: number, out: 'tanh' | 'linear') {
  const model = tf.sequential({ name });
  hidden.forEach((units, i) => {
    model.add(tf.layers.dense({ units, name: `${name}_fc${i}`, ...(i === 0 ? { inputShape: [inputs] } : {}), kernelInitializer: 'zeros' }));
    model.add(tf.layers.leakyReLU({ alpha: leak, name: `${name}_lrelu${i}` }));
  });
  model.add(tf.layers.dense({ units: outputs, activation: out, name: `${name}_out`, kernelInitializer: 'zeros' }));
  return model;
}

export const mlpGan: ModelFamily = {
  name: 'mlp-gan',
  kind: 'gan',
  phases: { D: { updates: ['D'], usesData: true }, G: { updates: ['G'], usesData: false } },
  build(model: ModelConfig, image: ImageShape) {
    const cfg = model as MlpGanConfig;
    const pixels = image.height * image.width * image.channels;
    return {
      G: mlp('G', cfg.latentDim, cfg.gHidden, pixels, cfg.leak, 'tanh'), // [B, 784] in [-1, 1]
      D: mlp('D', pixels, cfg.dHidden, 1, cfg.leak, 'linear'), // [B, 1] logits
    };
  },
};
