// Config schemas of the convolutional, residual, self-attention and class-conditional families (issue 5).
// One strict object per family, joined into schema.ts's `model` union; every default and bound lives here.
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const channels = positiveInt.max(1024);

/** Normalization of D's hidden convolutions. */
const dNorm = z.enum(['none', 'batch', 'spectral']);

/**
 * DCGAN (Radford et al. 2016) for 28x28: G z -> dense 7x7x(2g) -> convT 14x14xg -> convT 28x28xC (BN + ReLU,
 * tanh out); D strided convs 14x14xd -> 7x7x(2d) -> logit with LeakyReLU and optional BN / SN / dropout.
 */
export const dcganSchema = z.strictObject({
  family: z.literal('dcgan'),
  latentDim: positiveInt.max(4096).default(100),
  gChannels: channels.default(64),
  dChannels: channels.default(64),
  dNorm: dNorm.default('batch'),
  /** Dropout rate after each of D's hidden LeakyReLUs (0: none). */
  dropout: z.number().min(0).lt(1).default(0),
  leak: z.number().min(0).max(1).default(0.2),
  /** 'dcgan': N(0, 0.02) kernels (the paper); 'pytorch': PyTorch's default init. */
  init: z.enum(['dcgan', 'pytorch']).default('dcgan'),
});
export type DcganConfig = z.infer<typeof dcganSchema>;

