// Config sections of the GAN toolbox (issue 4): per-network optimizer extras, the `gan` section and the training
// techniques of `train`. Every default leaves the seed GAN unchanged, so a recipe is a few lines over it.
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const nonNegative = z.number().min(0);

/**
 * Learning-rate decay of one network, a pure function of the step (DESIGN.md §5), as PyTorch's schedulers:
 * step (StepLR: x gamma every `every` steps), exponential (ExponentialLR: x gamma per step), linear to zero
 * (LinearLR), cosine to zero (CosineAnnealingLR). Decay starts at `start`; linear and cosine reach zero at
 * `steps` (default train.steps).
 */
export const lrDecaySchema = z.strictObject({
  type: z.enum(['none', 'step', 'exponential', 'linear', 'cosine']).default('none'),
  gamma: z.number().positive().max(1).default(0.1),
  every: positiveInt.max(10_000_000).default(1000),
  start: z.number().int().min(0).default(0),
  steps: positiveInt.max(10_000_000).optional(),
});
export type LrDecayConfig = z.infer<typeof lrDecaySchema>;

/** Keys added to each network's optimizer section: LR decay, L1/L2 weight regularization, gradient-norm clipping. */
export const OPTIMIZER_TECHNIQUES = {
  decay: lrDecaySchema.prefault({}),
  /** L1 weight regularization: loss += l1 * sum|w| (gradient += l1 * sign(w)). */
  l1: nonNegative.max(1).default(0),
  /** L2 weight regularization as PyTorch's weight_decay: loss += l2/2 * sum w^2 (gradient += l2 * w). */
  l2: nonNegative.max(1).default(0),
  /** Clip the reduced gradient's global L2 norm to this value (torch.nn.utils.clip_grad_norm_); 0 = off. */
  clipNorm: nonNegative.default(0),
};

export const DIFF_AUGMENT_POLICIES = ['translation', 'cutout', 'brightness', 'contrast'] as const;

/** The GAN objective's options (src/train/gan-objectives.ts); the loss itself is the top-level `loss`. */
export const ganSchema = z.strictObject({
  /** One-sided label smoothing (Salimans et al. 2016): D's target for real samples; 1 = off, 0.9 is usual. */
  realLabel: z.number().gt(0.5).max(1).default(1),
  /** Noisy labels: probability that a D target is flipped (real -> 0, fake -> realLabel); 0 = off. */
  labelFlip: nonNegative.lt(0.5).default(0),
  /** WGAN weight clipping (Arjovsky et al. 2017): every D weight clipped to [-c, c] after each D update; 0 = off. */
  weightClip: nonNegative.default(0),
  /** WGAN-GP (Gulrajani et al. 2017): lambda of E[(||grad D(x^)|| - 1)^2] at random interpolates; 0 = off, 10 usual. */
  gp: nonNegative.default(0),
  /** R1 (Mescheder et al. 2018): gamma/2 E[||grad D(x)||^2] on real data; `every` k > 1 runs it lazily as its own round. */
  /** ProGAN's drift term (Karras et al. 2018 §A.1): epsilon * E[D(x)^2] on real data keeps D's scores near 0; 0 = off. */
  drift: nonNegative.default(0),
  r1: z.strictObject({ gamma: nonNegative.default(0), every: positiveInt.max(1000).default(1) }).prefault({}),
  /** G's objective: the adversarial loss, or feature matching (Salimans et al. 2016) on D's last hidden features. */
  generatorLoss: z.enum(['adversarial', 'feature-matching']).default('adversarial'),
  /** DiffAugment (Zhao et al. 2020) policies applied to every image D sees, real and fake, in D and G rounds. */
  diffAugment: z.array(z.enum(DIFF_AUGMENT_POLICIES)).max(4).default([]),
});
export type GanConfig = z.infer<typeof ganSchema>;

/** EMA of G's weights (Karras et al. 2018; Yazici et al. 2019): used for samples, stored in checkpoints. */
export const emaSchema = z.strictObject({
  /** 0 = off; 0.999 is usual. */
  decay: nonNegative.lt(1).default(0),
  /** Before this step the EMA copies G. */
  start: z.number().int().min(0).default(0),
});

/** Early stopping: stop when `metric` (mean over `every` steps) has not improved for `patience` checks. */
export const earlyStopSchema = z.strictObject({
  /** A metrics.jsonl key such as 'loss/G'; '' = off. */
  metric: z.string().default(''),
  mode: z.enum(['min', 'max']).default('min'),
  every: positiveInt.default(100),
  patience: positiveInt.max(100_000).default(5),
  minDelta: nonNegative.default(0),
});
export type EarlyStopConfig = z.infer<typeof earlyStopSchema>;

/** Keys added to `train`. */
export const TRAIN_TECHNIQUES = {
  /** G rounds per D round (the other way round of train.nCritic). */
  nGen: positiveInt.max(100).default(1),
  ema: emaSchema.prefault({}),
  earlyStop: earlyStopSchema.prefault({}),
};
