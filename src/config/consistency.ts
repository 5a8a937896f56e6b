// Cross-field rules the schema's per-key bounds cannot express.
import { ConfigError } from '../errors.js';
import type { Config } from './schema.js';
import { LOSSES } from '../losses/registry.js';
import { checkTechniques } from './technique-checks.js';
import { checkStages } from './stage-checks.js';

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
  const { workers, minWorkers, maxWorkers } = config.cluster;
  if (minWorkers > workers) throw new ConfigError(`${source}: cluster.minWorkers ${minWorkers} is more than cluster.workers ${workers}`);
  if (maxWorkers !== undefined && maxWorkers < workers) {
    throw new ConfigError(`${source}: cluster.maxWorkers ${maxWorkers} is less than cluster.workers ${workers}`);
  }
  const isVae = phasesOf(config).includes('VAE');
  const kind = LOSSES.find((l) => l.name === config.loss)?.kind;
  if (isVae !== (kind === 'vae')) {
    const allowed = LOSSES.filter((l) => l.kind === (isVae ? 'vae' : 'gan')).map((l) => `'${l.name}'`);
    throw new ConfigError(`${source}: loss: '${config.loss}' does not fit model.family '${config.model.family}' (allowed: ${allowed.join(', ')})`);
  }
  checkTechniques(config, source);
  checkStages(config, source);
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
