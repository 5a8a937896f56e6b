// The model families, in one explicit list (STYLE.md "Registries").
import { ConfigError } from '../errors.js';
import type { ModelFamily } from './family.js';
import { mlpGan } from './mlp-gan.js';
import { mlpVae } from './mlp-vae.js';
import { dcgan } from './dcgan.js';
import { sagan } from './sagan.js';
import { resnetGan } from './resnet-gan.js';
import { convVae } from './conv-vae.js';
import { cgan } from './cgan.js';
import { progan } from './progan.js';
import { stylegan } from './stylegan.js';

export const MODEL_FAMILIES: readonly ModelFamily[] = [mlpGan, mlpVae, dcgan, convVae, resnetGan, sagan, cgan, progan, stylegan];

/** The family of a name; a bad name is a ConfigError listing the valid ones. */
export function modelFamily(name: string): ModelFamily {
  const family = MODEL_FAMILIES.find((f) => f.name === name);
  if (!family) throw new ConfigError(`model.family: unknown '${name}' (valid: ${MODEL_FAMILIES.map((f) => f.name).join(', ')})`);
  return family;
}
