// The GAN losses by registry name (src/losses/registry.ts lists them with their papers).
import { ConfigError } from '../errors.js';
import { bceNs } from './bce-ns.js';
import type { GanLoss } from './gan-loss.js';
import { hinge } from './hinge.js';
import { lsgan } from './lsgan.js';
import { minimax } from './minimax.js';
import { wasserstein } from './wasserstein.js';

export const GAN_LOSSES: readonly GanLoss[] = [bceNs, minimax, lsgan, hinge, wasserstein];

/** The GAN loss of a name; a bad name is a ConfigError listing the valid ones. */
export function ganLoss(name: string): GanLoss {
  const loss = GAN_LOSSES.find((l) => l.name === name);
  if (!loss) throw new ConfigError(`loss: '${name}' is not a GAN loss (valid: ${GAN_LOSSES.map((l) => l.name).join(', ')})`);
  return loss;
}
