// Config schemas of progressive growing (Karras et al. 2018, "Progressive Growing of GANs"): the ProGAN model
// family and the list of training stages (resolution, fade-in and stabilise lengths in images), each of which may
// override training fields of the run for its steps (batch size, learning rates, loss, gan penalties, n_critic, the
// networks that train, frozen layers): multi-stage training in general, for every family.
import { z } from 'zod';
import { LOSSES } from '../losses/registry.js';
import { freezeSchema } from './freeze.js';
import { ganSchema, type GanConfig } from './techniques.js';

const positiveInt = z.number().int().positive();
const images = z.number().int().min(0).max(1e12);
const LOSS_NAMES = LOSSES.map((l) => l.name) as [(typeof LOSSES)[number]['name'], ...(typeof LOSSES)[number]['name'][]];

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
 * The same keys as `section`, each optional and without its default (nested sections too): a stage's override of
 * the run's section sets only the keys it names, with the run's bounds. (Derived, so a bound lives in one place.)
 */
function overrideOf(section: z.ZodObject): z.ZodObject {
  const keys = Object.entries(section.shape).map(([key, field]) => {
    let f = field as z.ZodType;
    if (f instanceof z.ZodDefault || f instanceof z.ZodPrefault) f = f.unwrap() as z.ZodType;
    if (f instanceof z.ZodObject) f = overrideOf(f);
    return [key, f.optional()];
  });
  return z.strictObject(Object.fromEntries(keys) as Record<string, z.ZodOptional>);
}

/** Every key optional, nested sections too (arrays are replaced whole). */
type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type StageGanConfig = DeepPartial<GanConfig>;

/** Overrides of `gan` a stage may carry (any key of the run's `gan` section: gp, r1, drift, realLabel, ...). */
export const stageGanSchema = overrideOf(ganSchema) as unknown as z.ZodType<StageGanConfig>;

/**
 * One training stage: its resolution, the images over which the new layers fade in (alpha 0 -> 1; 0 for the
 * first stage), the images it then trains at alpha 1, and the training fields it overrides for its steps (the
 * run's own where absent). A phase lasts ceil(images / batchSize) steps; the last stage goes on to train.steps.
 * The effective config of a step is a pure function of (step, config): src/config/stage-config.ts.
 */
export const stageSchema = z.strictObject({
  /** Progressive families: the stage's image side (absent: the previous stage's). Other families: absent, or the image size. */
  resolution: positiveInt.max(4096).optional(),
  fadeImages: images.default(0),
  stableImages: images.default(0),
  batchSize: positiveInt.max(65536).optional(),
  /** Base learning rates of this stage, by phase (optimizer.<phase>.lr when absent); decay still applies. */
  lr: z.partialRecord(z.enum(['D', 'G', 'VAE']), z.number().positive().max(1)).optional(),
  /** The GAN loss of this stage (the run's `loss` when absent). */
  loss: z.enum(LOSS_NAMES).optional(),
  /** Overrides of the run's `gan` section for this stage (penalties, drift, label smoothing, ...), key by key. */
  gan: stageGanSchema.optional(),
  /** D rounds per G round in this stage (train.nCritic when absent). */
  nCritic: positiveInt.max(100).optional(),
  /** The networks this stage trains (e.g. [D] for a critic warm-up); the others keep their weights. All when absent. */
  trainNetworks: z.array(z.string().min(1)).min(1).max(8).optional(),
  /** The frozen layers of this stage, in place of the run's `freeze` (`{}`: nothing frozen); the run's when absent. */
  freeze: freezeSchema.removeDefault().optional(),
});
export type StageConfig = z.infer<typeof stageSchema>;

/** The run's stages, first to last; empty: one stage with the run's own fields (and no growing). */
export const stagesSchema = z.array(stageSchema).max(16).default([]);
