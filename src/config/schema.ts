// The one config schema (zod): every key, default and bound of a run lives here (STYLE.md "Config").
import { z } from 'zod';
import { BACKEND_NAMES, type BackendName } from '../backend/types.js';
import { DATASET_SOURCES } from '../data/registry.js';
import { LOSSES } from '../losses/registry.js';
import { ganSchema, OPTIMIZER_TECHNIQUES, TRAIN_TECHNIQUES } from './techniques.js';
import { cganSchema, convVaeSchema, dcganSchema, resnetGanSchema, saganSchema } from './conv-models.js';
import { proganSchema, stagesSchema } from './progressive.js';
import { freezeSchema } from './freeze.js';
import { styleganSchema } from './style-models.js';

// Allowed names come from the registries, so a new backend, dataset or loss needs no second list here.
const BACKENDS = BACKEND_NAMES as readonly BackendName[] as [BackendName, ...BackendName[]];
const LOSS_NAMES = LOSSES.map((l) => l.name) as [(typeof LOSSES)[number]['name'], ...(typeof LOSSES)[number]['name'][]];

const positiveInt = z.number().int().positive();

/** Adam (Kingma & Ba 2015) with PyTorch's update rule; the seed GAN uses lr 2e-4, beta1 0.5. */
const adamSchema = z.strictObject({
  type: z.literal('adam').default('adam'),
  lr: z.number().positive().max(1).default(2e-4),
  beta1: z.number().min(0).lt(1).default(0.5),
  beta2: z.number().min(0).lt(1).default(0.999),
  eps: z.number().positive().default(1e-8),
  ...OPTIMIZER_TECHNIQUES,
});
export type AdamConfig = z.infer<typeof adamSchema>;

/** The seed MLP GAN: G 100-256-512-1024-784 (LeakyReLU 0.2, tanh), D 784-1024-512-256-1 (LeakyReLU 0.2, logit). */
const mlpGanSchema = z.strictObject({
  family: z.literal('mlp-gan'),
  latentDim: positiveInt.max(4096).default(100),
  gHidden: z.array(positiveInt.max(16384)).min(1).default([256, 512, 1024]),
  dHidden: z.array(positiveInt.max(16384)).min(1).default([1024, 512, 256]),
  leak: z.number().min(0).max(1).default(0.2),
});

/** The seed MLP VAE (Kingma & Welling 2014): 784-400-(20, 20) / 20-400-784, Bernoulli decoder. */
const mlpVaeSchema = z.strictObject({
  family: z.literal('mlp-vae'),
  latentDim: positiveInt.max(4096).default(20),
  hidden: z.array(positiveInt.max(16384)).min(1).default([400]),
});

/** A model section without `family` is the default family's, so `--set model.latentDim=64` works alone. */
export const modelSchema = z.preprocess(
  (m) => (m && typeof m === 'object' && !Array.isArray(m) && !('family' in m) ? { family: 'mlp-gan', ...m } : m),
  z.discriminatedUnion('family', [mlpGanSchema, mlpVaeSchema, dcganSchema, saganSchema, resnetGanSchema, convVaeSchema, cganSchema, proganSchema, styleganSchema]),
);
export type ModelConfig = z.infer<typeof modelSchema>;
export type MlpGanConfig = z.infer<typeof mlpGanSchema>;
export type MlpVaeConfig = z.infer<typeof mlpVaeSchema>;

export const configSchema = z.strictObject({
  /** Run name: the run folder is runs/<name> unless --out says otherwise. */
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only').default('seed-gan'),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  backend: z.enum(BACKENDS).default('auto'),
  model: modelSchema.default({ family: 'mlp-gan', latentDim: 100, gHidden: [256, 512, 1024], dHidden: [1024, 512, 256], leak: 0.2 }),
  /** Loss of the GAN rounds: non-saturating BCE (the seed's), computed from logits. */
  loss: z.enum(LOSS_NAMES).default('bce-ns'),
  /** Penalties, label smoothing, feature matching, DiffAugment (src/config/techniques.ts). */
  gan: ganSchema.prefault({}),
  data: z
    .strictObject({
      source: z.enum(DATASET_SOURCES).default('mnist-embedded'),
      /** Folder of IDX files for the mnist / fashion-mnist sources. */
      dir: z.string().optional(),
    })
    .prefault({}),
  /** One Adam per round phase (D, G for GANs; VAE for VAEs). */
  optimizer: z
    .partialRecord(z.enum(['D', 'G', 'VAE']), adamSchema)
    .default({ D: adamSchema.parse({}), G: adamSchema.parse({}) }),
  train: z
    .strictObject({
      steps: positiveInt.max(10_000_000).default(3000),
      batchSize: positiveInt.max(65536).default(64),
      /** Fixed split of every global batch (DESIGN.md §3): independent of the worker count. */
      microShards: positiveInt.max(1024).default(2),
      /** D rounds per G round. */
      nCritic: positiveInt.max(100).default(1),
      logEvery: positiveInt.default(1),
      sampleEvery: positiveInt.default(250),
      checkpointEvery: positiveInt.default(1000),
      keepCheckpoints: positiveInt.max(1000).default(3),
      /** What a non-finite loss, gradient or weight does: stop the run, or restore the last checkpoint and go on. */
      onNonFinite: z.enum(['fail', 'rollback']).default('fail'),
      /** Rollbacks allowed in one run before a repeated numerical fault fails it. */
      maxRollbacks: z.number().int().min(0).max(1000).default(3),
      ...TRAIN_TECHNIQUES,
    })
    .prefault({}),
  /** Progressive growing's stages (src/config/progressive.ts, src/train/stages.ts); empty: no growing. */
  stages: stagesSchema,
  /** Layers left untrained (fine-tuning, FreezeD): `freeze: { D: { firstBlocks: 2 } }` or layer names (src/config/freeze.ts). */
  freeze: freezeSchema,
  /** Sample-quality metrics during training (src/metrics/during-training.ts), written to metrics.jsonl. */
  eval: z
    .strictObject({
      /** Evaluate every this many steps; 0 never. */
      every: z.number().int().min(0).default(0),
      /** Generated samples per evaluation (FID depends on N: compare at equal N). */
      n: positiveInt.max(100_000).default(1000),
      /** The real split the samples are compared with. */
      ref: z.enum(['train', 'test']).default('test'),
      kidSubsets: positiveInt.max(1000).default(10),
      kidSubsetSize: positiveInt.max(100_000).default(1000),
      /** Importance samples of the VAE's IWAE NLL at each evaluation; 0 skips it (ganymede eval computes it). */
      iwaeK: z.number().int().min(0).max(100_000).default(0),
      /** Keep the checkpoint with the lowest FID in <run>/best/. */
      keepBest: z.boolean().default(false),
      /** Stop after this many evaluations in a row without a lower FID; 0 never. */
      patience: z.number().int().min(0).default(0),
    })
    .prefault({}),
  cluster: z
    .strictObject({
      /** Workers the run waits for at its start (and `train` spawns). */
      workers: positiveInt.max(1024).default(2),
      /** Below this many live workers the coordinator pauses (logging why) and waits up to waitTimeout. */
      minWorkers: positiveInt.max(1024).default(1),
      /** More workers than this are turned away (default: cluster.workers). */
      maxWorkers: positiveInt.max(1024).optional(),
      /** Seconds between heartbeats, both ways (application messages and ZeroMQ's own ZMTP pings). */
      heartbeatInterval: z.number().positive().max(60).default(0.5),
      /** Seconds without a ZMTP ping answer before a peer's connection is dropped: catches dead, hung and cut-off processes. */
      peerTimeout: z.number().positive().max(3600).default(3),
      /** Seconds a worker holding work may stay silent before it is suspect and its shards are recomputed elsewhere. */
      suspectAfter: z.number().positive().max(3600).default(2),
      /** Seconds without any message from a worker before it is declared lost even though its connection is up. */
      heartbeatTimeout: z.number().positive().max(3600).default(60),
      /** Seconds the coordinator waits below minWorkers before it fails the run. */
      waitTimeout: z.number().positive().max(86_400).default(300),
      /** Seconds a worker waits for a silent or restarting coordinator before it gives up. */
      reconnectTimeout: z.number().positive().max(86_400).default(120),
      /** Times `train` restarts local worker processes that died, in all (torchrun's --max-restarts). */
      maxRestarts: z.number().int().min(0).max(10_000).default(3),
      /** Largest accepted ZeroMQ message, bytes. */
      maxMessageBytes: positiveInt.default(512 * 1024 * 1024),
      /**
       * Gradients from workers as bfloat16 or float16 with error feedback (half the bytes): 'none' (default),
       * 'bf16' or 'fp16' (a tensor beyond float16's range goes as float32). Breaks byte-identity across worker
       * counts (docs/benchmarks.md).
       */
      gradientCompression: z.enum(['none', 'bf16', 'fp16']).default('none'),
      /**
       * Who reduces a round's gradients: 'star' (default: the coordinator, a parameter server) or 'allreduce' (the
       * workers, by recursive halving along the same fixed tree, each sending the coordinator 1/N of the sum; for a
       * power-of-two number of workers and micro-shards, star otherwise; README "Worker-side reduction").
       */
      reduce: z.enum(['star', 'allreduce']).default('star'),
    })
    .prefault({}),
});

/** The validated, resolved config; frozen after parsing. */
export type Config = z.infer<typeof configSchema>;
