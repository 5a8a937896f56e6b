// Cross-field rules of progressive growing's stages (src/config/progressive.ts).
import { ConfigError } from '../errors.js';
import type { Config } from './schema.js';

/** Families whose networks can grow (model families with a `resolution` argument to build). */
const PROGRESSIVE_FAMILIES: readonly string[] = ['progan'];

export function checkStages(config: Config, source: string): void {
  const { stages } = config;
  if (stages.length === 0) return;
  if (!PROGRESSIVE_FAMILIES.includes(config.model.family)) {
    throw new ConfigError(`${source}: stages: model.family '${config.model.family}' cannot grow (progressive families: ${PROGRESSIVE_FAMILIES.join(', ')})`);
  }
  if (stages[0].fadeImages !== 0) throw new ConfigError(`${source}: stages[0].fadeImages: the first stage has no earlier layers to fade from (set 0)`);
  stages.forEach((s, i) => {
    if (i > 0 && s.resolution !== 2 * stages[i - 1].resolution) {
      throw new ConfigError(`${source}: stages[${i}].resolution ${s.resolution}: each stage doubles the previous one's (${2 * stages[i - 1].resolution})`);
    }
    if (i > 0 && s.fadeImages === 0) throw new ConfigError(`${source}: stages[${i}].fadeImages: a new resolution fades in over some images (> 0)`);
    if (i < stages.length - 1 && s.stableImages === 0 && i === 0) {
      throw new ConfigError(`${source}: stages[0].stableImages: the first stage trains some images (> 0) before the next fades in`);
    }
    for (const phase of Object.keys(s.lr ?? {})) {
      if (!config.optimizer[phase as 'D']) throw new ConfigError(`${source}: stages[${i}].lr.${phase}: this model has no ${phase} optimizer`);
    }
    const b = s.batchSize ?? config.train.batchSize;
    if (b % config.train.microShards !== 0) {
      throw new ConfigError(`${source}: stages[${i}].batchSize ${b} is not divisible by train.microShards ${config.train.microShards}`, {
        hint: 'every micro-shard must hold the same number of samples, in every stage',
      });
    }
  });
  const channels = (config.model as { channels?: number[] }).channels;
  if (channels && stages.length > channels.length) {
    throw new ConfigError(`${source}: stages: ${stages.length} stages, but model.channels lists ${channels.length} resolutions`);
  }
}
