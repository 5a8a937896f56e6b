// Config schema of the style-based generator family (issue 6, StyleGAN-lite), joined into schema.ts's `model`
// union; every default and bound of the family lives here.
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/**
 * StyleGAN-lite (Karras et al. 2019, 2020) at a fixed 28x28: mapping MLP z -> w, a learned 7x7 constant,
 * modulated/demodulated 3x3 convolutions (StyleGAN2) with per-layer noise inputs, toRGB at 7, 14 and 28 summed
 * (the skip generator), style mixing in training, and the mean w (an EMA) for the truncation trick.
 * D: the DCGAN discriminator (dcgan.ts).
 */
export const styleganSchema = z.strictObject({
  family: z.literal('stylegan'),
  latentDim: positiveInt.max(4096).default(64),
  /** Size of the intermediate latent w. */
  wDim: positiveInt.max(4096).default(64),
  /** Dense layers of the mapping network (StyleGAN uses 8). */
  mappingLayers: positiveInt.max(16).default(4),
  /** Learning-rate multiplier of the mapping layers (StyleGAN: 0.01; 1: a plain dense layer). */
  mappingLrMul: z.number().positive().max(1).default(0.01),
  /** Feature channels of every synthesis layer (the constant included). */
  gChannels: positiveInt.max(1024).default(32),
  dChannels: positiveInt.max(1024).default(32),
  /** Normalization of D's hidden convolutions (the DCGAN discriminator's). */
  dNorm: z.enum(['none', 'batch', 'spectral']).default('batch'),
  /** Probability that a training sample mixes two w's at a random crossover layer (StyleGAN2: 0.9). */
  styleMixing: z.number().min(0).max(1).default(0.9),
  /** Decay of the EMA of w that the truncation trick pulls towards (StyleGAN2's w_avg_beta). */
  wAvgBeta: z.number().min(0).lt(1).default(0.995),
  leak: z.number().min(0).max(1).default(0.2),
  /** Initial weights of D ('dcgan' or 'pytorch' rule); G's follow StyleGAN2's (src/models/layers/style-init.ts). */
  init: z.enum(['dcgan', 'pytorch']).default('pytorch'),
});
export type StyleganConfig = z.infer<typeof styleganSchema>;
