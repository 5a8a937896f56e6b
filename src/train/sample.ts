// Samples from a trained generator or decoder with a fixed, keyed z (the same grid across steps and resumes).
import * as tf from '@tensorflow/tfjs';
import type { Config, MlpGanConfig, MlpVaeConfig } from '../config/index.js';
import { KeyedRandom } from '../rng.js';
import { modelFamily } from '../models/index.js';
import { oneHot } from './conditional-objectives.js';

/**
 * n images as uint8 [n, 28*28] from z ~ N(0, I) keyed by (seed, 'samples', key). A class-conditional G draws
 * class `classLabel` when given, else sample i is of class i mod K.
 */
export function sampleImages(
  config: Readonly<Config>, nets: Record<string, tf.LayersModel>, n: number, key: string | number = 'fixed', classLabel?: number,
): Uint8Array {
  const classes = modelFamily(config.model.family).conditional ? (config.model as { classes: number }).classes : 0;
  const vae = modelFamily(config.model.family).kind === 'vae';
  const latent = (config.model as MlpGanConfig | MlpVaeConfig).latentDim;
  const z = new KeyedRandom(config.seed, 'samples', key).normal(n * latent);
  const pixels = tf.tidy(() => {
    const zt = tf.tensor2d(z, [n, latent]);
    const out = vae
      ? tf.sigmoid(nets.decoder.predict(zt) as tf.Tensor) // [n, 784] in [0, 1]
      : tf.div(tf.add(nets.G.predict(classes ? [zt, oneHot(labels(n, classes, classLabel), classes)] : zt) as tf.Tensor, 1), 2); // tanh -> [0, 1]
    return tf.clipByValue(tf.round(tf.mul(out, 255)), 0, 255);
  });
  const data = Uint8Array.from(pixels.dataSync());
  pixels.dispose();
  return data;
}

function labels(n: number, classes: number, classLabel: number | undefined): number[] {
  return Array.from({ length: n }, (_, i) => classLabel ?? i % classes);
}
