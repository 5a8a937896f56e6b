// Config schemas of progressive growing (Karras et al. 2018, "Progressive Growing of GANs"): the ProGAN model
// family and the list of training stages (resolution, fade-in and stabilise lengths in images, batch size).
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const images = z.number().int().min(0).max(1e12);

/**
 * ProGAN for MNIST-sized images: one block per resolution, from the base (H / 2^(n-1)) up to the image size,
 * `channels[i]` feature maps at the i-th resolution (7, 14, 28 for n = 3 and 28x28 images). Pixel norm in G,
 * minibatch standard deviation at D's base (per micro-shard), equalized learning rate in every layer.
 */
export const proganSchema = z.strictObject({
  family: z.literal('progan'),
  latentDim: positiveInt.max(4096).default(128),
  /** Feature maps per resolution, base first; the length sets the number of resolutions. */
  channels: z.array(positiveInt.max(1024)).min(1).max(8).default([128, 64, 32]),
  leak: z.number().min(0).max(1).default(0.2),
  /** Pixelwise feature vector normalization in G (§4.2). */
  pixelNorm: z.boolean().default(true),
  /** Minibatch standard deviation as an extra feature map at D's base (§3), over each micro-shard. */
  mbstd: z.boolean().default(true),
});
export type ProganConfig = z.infer<typeof proganSchema>;

/**
 * One training stage: its resolution, the images over which the new layers fade in (alpha 0 -> 1; 0 for the
 * first stage), the images it then trains at alpha 1, and its batch size (train.batchSize when absent). A
 * phase lasts ceil(images / batchSize) steps; the last stage goes on to train.steps.
 */
export const stageSchema = z.strictObject({
  resolution: positiveInt.max(4096),
  fadeImages: images.default(0),
  stableImages: images.default(0),
  batchSize: positiveInt.max(65536).optional(),
  /** Base learning rates of this stage, by phase (optimizer.<phase>.lr when absent); decay still applies. */
  lr: z.partialRecord(z.enum(['D', 'G', 'VAE']), z.number().positive().max(1)).optional(),
});
export type StageConfig = z.infer<typeof stageSchema>;

/** The run's stages, lowest resolution first; empty: one stage at the full resolution. */
export const stagesSchema = z.array(stageSchema).max(16).default([]);
