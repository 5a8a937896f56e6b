// Losses: GAN objectives and the VAE objective.
export { dLossSums, gLossSum } from './bce-ns.js';
export { negElboSums, reparameterise } from './elbo.js';
export { LOSSES } from './registry.js';
