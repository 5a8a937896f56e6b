// Checks of the stages that need the image size and the built networks (src/config/stage-checks.ts has the rest):
// run set-up calls them before a run folder exists, so a bad stage never leaves a half-made run.
import type { Config } from '../config/index.js';
import { stageConfig } from '../config/stage-config.js';
import { ConfigError } from '../errors.js';
import { modelFamily, type ImageShape } from '../models/index.js';
import { checkFreezeNets } from './freeze.js';
import { growthAt, stageStarts } from './stages.js';

/**
 * A family that does not grow takes a stage resolution only as the image size; every stage's frozen layers name
 * layers of the networks it trains (built for its resolution under progressive growing).
 */
export function checkStageNetworks(config: Readonly<Config>, image: ImageShape, source = 'config'): void {
  if (config.stages.length === 0) return;
  const family = modelFamily(config.model.family);
  config.stages.forEach((s, i) => {
    if (!family.stageOfWeights && s.resolution !== undefined && s.resolution !== image.height) {
      throw new ConfigError(`${source}: stages[${i}].resolution ${s.resolution}: model.family '${config.model.family}' cannot grow; leave it out, or give the image size (${image.height})`);
    }
  });
  for (const [i, step] of stageStarts(config)) {
    const c = stageConfig(config, i);
    if (Object.keys(c.freeze).length === 0) continue;
    const nets = family.build(config.model, image, growthAt(step, config));
    try {
      checkFreezeNets(c, nets, `${source}: stages[${i}]`);
    } finally {
      for (const m of Object.values(nets)) m.dispose();
    }
  }
}
