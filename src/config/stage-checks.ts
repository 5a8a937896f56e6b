// Cross-field rules of the stages (src/config/progressive.ts): growing for progressive families, and the training
// fields any stage may override, checked as each stage's effective config (src/config/stage-config.ts).
import { ConfigError } from '../errors.js';
import { LOSSES } from '../losses/registry.js';
import type { Config } from './schema.js';
import type { StageConfig } from './progressive.js';
import { checkTechniques } from './technique-checks.js';
import { stageConfig } from './stage-config.js';

/** Families whose networks can grow (model families with a `resolution` argument to build). */
const PROGRESSIVE_FAMILIES: readonly string[] = ['progan'];
/** The networks each family trains, by round phase (as src/models' families declare them). */
const GAN_NETWORKS: Readonly<Record<string, string[]>> = { D: ['D'], G: ['G'] };
const VAE_NETWORKS: Readonly<Record<string, string[]>> = { VAE: ['encoder', 'decoder'] };
const VAE_FAMILIES: readonly string[] = ['mlp-vae', 'conv-vae'];

export function checkStages(config: Config, source: string): void {
  const { stages } = config;
  if (stages.length === 0) return;
  const at = (i: number, key: string) => `${source}: stages[${i}].${key}`;
  if (PROGRESSIVE_FAMILIES.includes(config.model.family)) checkGrowing(config, source, at);
  else checkFixedSize(config, at);
  stages.forEach((s, i) => {
    if (i < stages.length - 1 && s.stableImages === 0 && s.fadeImages === 0) {
      throw new ConfigError(`${at(i, 'stableImages')}: a stage before the last trains some images (> 0)`);
    }
    for (const phase of Object.keys(s.lr ?? {})) {
      if (!config.optimizer[phase as 'D']) throw new ConfigError(`${at(i, `lr.${phase}`)}: this model has no ${phase} optimizer`);
    }
    const b = s.batchSize ?? config.train.batchSize;
    if (b % config.train.microShards !== 0) {
      throw new ConfigError(`${at(i, 'batchSize')} ${b} is not divisible by train.microShards ${config.train.microShards}`, {
        hint: 'every micro-shard must hold the same number of samples, in every stage',
      });
    }
    checkTrainingFields(config, s, i, source, at);
  });
}

/** Progressive growing: the first stage names its resolution; each later one keeps it or doubles it (and fades in). */
function checkGrowing(config: Config, source: string, at: (i: number, key: string) => string): void {
  const { stages } = config;
  if (stages[0].resolution === undefined) throw new ConfigError(`${at(0, 'resolution')}: the first stage of a progressive family names its resolution`);
  if (stages[0].fadeImages !== 0) throw new ConfigError(`${at(0, 'fadeImages')}: the first stage has no earlier layers to fade from (set 0)`);
  let resolution = stages[0].resolution;
  let resolutions = 1;
  stages.forEach((s, i) => {
    if (i === 0) return;
    const r = s.resolution ?? resolution;
    if (r === resolution) {
      if (s.fadeImages !== 0) throw new ConfigError(`${at(i, 'fadeImages')}: the stage keeps resolution ${r}, so nothing fades in (set 0)`);
      return;
    }
    if (r !== 2 * resolution) {
      throw new ConfigError(`${at(i, 'resolution')} ${r}: each stage keeps or doubles the previous one's (${resolution} or ${2 * resolution})`);
    }
    if (s.fadeImages === 0) throw new ConfigError(`${at(i, 'fadeImages')}: a new resolution fades in over some images (> 0)`);
    resolution = r;
    resolutions += 1;
  });
  const channels = (config.model as { channels?: number[] }).channels;
  if (channels && resolutions > channels.length) {
    throw new ConfigError(`${source}: stages: ${stages.length} stages grow to ${resolutions} resolutions, but model.channels lists ${channels.length} resolutions`);
  }
}

/** A family that does not grow: stages change training fields only (a resolution must be the image size: run set-up). */
function checkFixedSize(config: Config, at: (i: number, key: string) => string): void {
  config.stages.forEach((s, i) => {
    if (s.fadeImages !== 0) {
      throw new ConfigError(`${at(i, 'fadeImages')}: model.family '${config.model.family}' cannot grow, so nothing fades in (progressive families: ${PROGRESSIVE_FAMILIES.join(', ')})`);
    }
  });
}

/** A stage's overrides: the networks it trains exist and keep a phase whole; its effective config passes the run's rules. */
function checkTrainingFields(config: Config, s: StageConfig, i: number, source: string, at: (i: number, key: string) => string): void {
  const isVae = VAE_FAMILIES.includes(config.model.family);
  if (s.trainNetworks) {
    const phases = isVae ? VAE_NETWORKS : GAN_NETWORKS;
    const all = Object.values(phases).flat();
    for (const [k, net] of s.trainNetworks.entries()) {
      if (!all.includes(net)) throw new ConfigError(`${at(i, `trainNetworks[${k}]`)}: unknown network '${net}' (this model has ${all.join(', ')})`);
    }
    for (const [phase, nets] of Object.entries(phases)) {
      const listed = nets.filter((n) => s.trainNetworks!.includes(n));
      if (listed.length > 0 && listed.length < nets.length) {
        throw new ConfigError(`${at(i, 'trainNetworks')}: the ${phase} round trains ${nets.join(' and ')} together; list both, or freeze layers with stages[${i}].freeze`);
      }
    }
  }
  if (isVae && (s.gan !== undefined || s.nCritic !== undefined)) {
    throw new ConfigError(`${at(i, s.gan !== undefined ? 'gan' : 'nCritic')}: applies to GANs; this model is a VAE ('${config.model.family}')`);
  }
  const c = stageConfig(config, i);
  const kind = LOSSES.find((l) => l.name === c.loss)?.kind;
  if (s.loss !== undefined && (kind === 'vae') !== isVae) {
    const allowed = LOSSES.filter((l) => l.kind === (isVae ? 'vae' : 'gan')).map((l) => `'${l.name}'`);
    throw new ConfigError(`${at(i, 'loss')}: '${s.loss}' does not fit model.family '${config.model.family}' (allowed: ${allowed.join(', ')})`);
  }
  if (c !== config) checkTechniques(c as Config, `${source}: stages[${i}] (the stage's effective config)`);
}
