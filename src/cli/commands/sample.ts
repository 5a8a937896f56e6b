// `ganymede sample`: draws a grid of samples from a run's checkpoint (the generator, or the VAE's decoder).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { initBackend, type BackendName } from '../../backend/index.js';
import { latestCheckpoint, loadCheckpoint } from '../../checkpoint/index.js';
import { resolveConfig, type Config } from '../../config/index.js';
import { modelFamily } from '../../models/index.js';
import { CheckpointError, UsageError } from '../../errors.js';
import { gridPng } from '../../report/grid.js';
import { sampleImages } from '../../train/sample.js';
import { encodeIdxUint8 } from '../../data/idx-write.js';
import { decodeLatents, truncatedLatents } from '../../report/sample-grids.js';
import { resolveZooTarget } from '../../pretrained/zoo.js';
import { styleTruncatedImages } from '../../train/style-sample.js';

/** A checkpoint folder as given, or the latest checkpoint of a run folder. */
export function checkpointOf(target: string): string {
  if (existsSync(path.join(target, 'manifest.json'))) return target;
  if (!existsSync(target)) throw new UsageError(`${target}: no such run or checkpoint folder`);
  const latest = latestCheckpoint(target);
  if (!latest) throw new CheckpointError(`${target}: no checkpoint in this run folder`);
  return latest;
}

/** The --class option, checked against the model: only conditional models have classes, 0..K-1. */
function classOption(config: Config, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const family = modelFamily(config.model.family);
  if (!family.conditional) throw new UsageError(`--class ${value}: model.family '${family.name}' is not class-conditional`);
  const k = (config.model as { classes: number }).classes;
  if (!Number.isInteger(value) || value < 0 || value >= k) throw new UsageError(`--class ${value}: a class from 0 to ${k - 1}`);
  return value;
}

export function registerSample(y: Argv) {
  return y.command(
    'sample [run]',
    'draw an image grid from a run (its latest checkpoint) or from one checkpoint folder',
    (c) =>
      c
        .positional('run', { type: 'string', describe: 'run folder, checkpoints/step-XXXXXX folder or zoo:<name>' })
        .option('checkpoint', { type: 'string', describe: 'the same as the positional run/checkpoint folder' })
        .option('truncation', { type: 'number', describe: 'truncation trick: redraw latent components with |z| > t (t > 0); stylegan: w = w_avg + psi (w - w_avg), psi >= 0' })
        .option('n', { type: 'number', default: 64, describe: 'number of samples' })
        .option('seed', { type: 'string', default: 'fixed', describe: "z stream: 'fixed' is the training grids' z; any other value draws new ones" })
        .option('out', { type: 'string', describe: 'PNG grid, or .idx / .idx.gz for raw uint8 samples in MNIST format (default: <run>/samples/sample-<step>-<seed>.png); never overwritten' })
        .option('class', { type: 'number', describe: 'class-conditional models: draw this class (default: sample i is of class i mod K)' })
        .option('backend', { type: 'string', default: 'auto', describe: 'auto | tensorflow-gpu | tensorflow | wasm | cpu' }),
    async (args) => {
      if (!Number.isInteger(args.n) || args.n < 1 || args.n > 4096) throw new UsageError(`--n ${args.n}: a whole number from 1 to 4096`);
      const target = args.checkpoint ?? args.run;
      if (!target || (args.checkpoint && args.run)) throw new UsageError('name one run or checkpoint folder: `sample <run>` or `sample --checkpoint <dir>`');
      // (A style-based G takes psi = 0 too: checked once its config is read, below.)
      if (args.truncation !== undefined && !(args.truncation >= 0)) throw new UsageError(`--truncation ${args.truncation}: must be above 0`);
      const zoo = resolveZooTarget(target);
      const dir = zoo ?? checkpointOf(target);
      // A zoo model's folder is part of the package: its samples go to the current folder instead.
      const runDir = zoo ? '.' : path.dirname(path.dirname(dir));
      const out = args.out ?? path.join(runDir, 'samples', zoo ? `sample-${target.slice(4)}-${args.seed}.png` : `sample-${path.basename(dir)}-${args.seed}.png`);
      if (existsSync(out)) throw new UsageError(`${out} already exists; nothing was written`, { hint: 'choose another --out or --seed' });
      await initBackend(args.backend as BackendName);
      const ckpt = await loadCheckpoint(dir);
      try {
        const config = resolveConfig(ckpt.config as Record<string, unknown>, path.join(dir, 'config.json'));
        // A run with train.ema samples from G's EMA (checkpoint network G_ema), as its training grids do.
        const nets = ckpt.networks.G_ema ? { ...ckpt.networks, G: ckpt.networks.G_ema } : ckpt.networks;
        const style = config.model.family === 'stylegan';
        if (args.truncation === 0 && !style) throw new UsageError('--truncation 0: must be above 0');
        const images = args.truncation === undefined
          ? sampleImages(config, nets, args.n, args.seed, classOption(config, args.class))
          : style
          ? styleTruncatedImages(config, nets, args.n, args.seed, args.truncation)
          : decodeLatents(config, nets, truncatedLatents(config, args.n, args.seed, args.truncation), args.n);
        const cols = Math.ceil(Math.sqrt(args.n));
        mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
        // .idx / .idx.gz: the raw uint8 samples in MNIST's own format; anything else: a PNG grid.
        const idx = /\.idx(\.gz)?$/.exec(out);
        writeFileSync(out, idx ? encodeIdxUint8(images, [args.n, 28, 28], idx[1] !== undefined) : gridPng(images, 28, 28, { rows: Math.ceil(args.n / cols), cols }));
        process.stdout.write(`${args.n} samples from ${dir} -> ${out}\n`);
      } finally {
        for (const net of Object.values(ckpt.networks)) net.dispose();
      }
    },
  );
}
