// Cross-field rules the schema's per-key bounds cannot express.
import { ConfigError } from '../errors.js';
import type { Config } from './schema.js';

/** The families that are VAEs (one VAE round per step); the rest are GANs. */
const VAE_FAMILIES: readonly string[] = ['mlp-vae', 'conv-vae'];

/** Phases (rounds) whose optimizer a model family needs. */
export function phasesOf(config: Pick<Config, 'model'>): readonly ('D' | 'G' | 'VAE')[] {
  return VAE_FAMILIES.includes(config.model.family) ? ['VAE'] : ['D', 'G'];
}

export function checkConsistency(config: Config, source: string): void {
  const { batchSize, microShards } = config.train;
  if (batchSize % microShards !== 0) {
    throw new ConfigError(
      `${source}: train.batchSize ${batchSize} is not divisible by train.microShards ${microShards}`,
      { hint: 'every micro-shard must hold the same number of samples' },
    );
  }
  const isVae = phasesOf(config).includes('VAE');
  if (isVae !== (config.loss === 'elbo')) {
    throw new ConfigError(
      `${source}: loss: '${config.loss}' does not fit model.family '${config.model.family}' (allowed: ${isVae ? "'elbo'" : "'bce-ns'"})`,
    );
  }
  const needed = phasesOf(config);
  for (const phase of needed) {
    if (!config.optimizer[phase]) throw new ConfigError(`${source}: optimizer.${phase}: missing (the model needs ${needed.join(', ')})`);
  }
  for (const phase of Object.keys(config.optimizer)) {
    if (!needed.includes(phase as 'D')) {
      throw new ConfigError(`${source}: unknown key optimizer.${phase} (this model has ${needed.join(', ')})`);
    }
  }
}
