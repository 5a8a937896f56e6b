// Losses: GAN objectives and the VAE objective.
export { dLossSums, gLossSum } from './bce-ns.js';
export { negElboSums, reparameterise } from './elbo.js';
export { LOSSES } from './registry.js';
export { GAN_LOSSES, ganLoss } from './gan-losses.js';
export { bceSum, type GanLoss } from './gan-loss.js';
export { gradientPenaltySum, r1PenaltySum, featureMatchingLoss } from './penalties.js';
