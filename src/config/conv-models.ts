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


/** SAGAN (Zhang et al. 2019): the DCGAN networks with a self-attention block at 14x14 in G and D, SN in D. */
export const saganSchema = dcganSchema.extend({
  family: z.literal('sagan'),
  dNorm: dNorm.default('spectral'),
});
export type SaganConfig = z.infer<typeof saganSchema>;

/**
 * ResNet GAN in the SNGAN style (Miyato et al. 2018, appendix B, scaled to 28x28): G z -> 7x7 -> two
 * upsampling residual blocks -> 28x28 (BN + ReLU); D two downsampling residual blocks + one plain block,
 * ReLU, global sum pool, linear; spectral norm on every D layer.
 */
export const resnetGanSchema = z.strictObject({
  family: z.literal('resnet-gan'),
  latentDim: positiveInt.max(4096).default(128),
  gChannels: channels.default(64),
  dChannels: channels.default(64),
  dNorm: z.enum(['none', 'spectral']).default('spectral'),
  init: z.enum(['dcgan', 'pytorch']).default('pytorch'),
});
export type ResnetGanConfig = z.infer<typeof resnetGanSchema>;

/**
 * Convolutional VAE: encoder conv 4x4/2 (c) -> conv 4x4/2 (2c) -> (mu, logvar); decoder dense -> 7x7x2c ->
 * convT -> convT -> 28x28 logits. `decoder` picks p(x|z): Bernoulli on the logits, or Gaussian with mean
 * sigmoid(logits) and the fixed standard deviation `sigma`.
 */
export const convVaeSchema = z.strictObject({
  family: z.literal('conv-vae'),
  latentDim: positiveInt.max(4096).default(16),
  channels: channels.default(32),
  decoder: z.enum(['bernoulli', 'gaussian']).default('bernoulli'),
  sigma: z.number().positive().max(10).default(0.1),
  init: z.enum(['dcgan', 'pytorch']).default('pytorch'),
});
export type ConvVaeConfig = z.infer<typeof convVaeSchema>;

/**
 * Class-conditional DCGAN. G takes (z, y): `gCond` 'cbn' gives every G BatchNorm per-class gamma and beta
 * (conditional BN), 'concat' concatenates a learned class embedding to z. D: 'projection' adds
 * <embed(y), phi(x)> to the logit (Miyato & Koyama 2018); 'acgan' adds a K-way class head and its
 * cross-entropy to both losses (Odena et al. 2017).
 */
export const cganSchema = z.strictObject({
  family: z.literal('cgan'),
  latentDim: positiveInt.max(4096).default(100),
  classes: positiveInt.max(1000).default(10),
  gChannels: channels.default(64),
  dChannels: channels.default(64),
  gCond: z.enum(['cbn', 'concat']).default('cbn'),
  dCond: z.enum(['projection', 'acgan']).default('projection'),
  dNorm: dNorm.default('spectral'),
  /** Size of G's class embedding with gCond 'concat'. */
  embedDim: positiveInt.max(4096).default(50),
  /** Weight of the ACGAN class cross-entropy in both losses. */
  acganWeight: z.number().min(0).max(100).default(1),
  leak: z.number().min(0).max(1).default(0.2),
  init: z.enum(['dcgan', 'pytorch']).default('dcgan'),
});
export type CganConfig = z.infer<typeof cganSchema>;
