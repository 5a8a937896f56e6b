// Cross-field rules of the GAN toolbox's keys (src/config/techniques.ts): combinations that would silently do nothing.
import { ConfigError } from '../errors.js';
import type { Config } from './schema.js';

/** Losses with a target per sample, where label smoothing and noisy labels mean something. */
const TARGET_LOSSES = ['bce-ns', 'minimax', 'lsgan'];

export function checkTechniques(config: Config, source: string): void {
  const { gan, train } = config;
  const fail = (message: string, hint?: string) => {
    throw new ConfigError(`${source}: ${message}`, hint ? { hint } : undefined);
  };
  if (config.model.family === 'mlp-vae') {
    const defaults = gan.realLabel === 1 && gan.labelFlip === 0 && gan.weightClip === 0 && gan.gp === 0 && gan.r1.gamma === 0
      && gan.generatorLoss === 'adversarial' && gan.diffAugment.length === 0 && train.ema.decay === 0 && train.nGen === 1 && train.nCritic === 1;
    if (!defaults) fail("gan.*, train.nCritic, train.nGen and train.ema apply to GANs; this model is a VAE ('mlp-vae')");
    return;
  }
  if ((gan.realLabel !== 1 || gan.labelFlip !== 0) && !TARGET_LOSSES.includes(config.loss)) {
    fail(`gan.realLabel / gan.labelFlip: loss '${config.loss}' has no targets to smooth or flip (allowed with: ${TARGET_LOSSES.join(', ')})`);
  }
  if (gan.r1.every > 1 && gan.r1.gamma === 0) fail('gan.r1.every: lazy R1 needs gan.r1.gamma > 0');
  if (train.earlyStop.metric !== '' && !/^[A-Za-z0-9_/().-]+$/.test(train.earlyStop.metric)) {
    fail(`train.earlyStop.metric: '${train.earlyStop.metric}' is not a metric name (e.g. 'loss/G')`);
  }
}
