// `ganymede eval`: the metrics of a run's checkpoint (FID, KID, IS, precision/recall, class coverage; ELBO and IWAE
// NLL for VAEs) as a table or JSON, and `--real-vs-real`: the same metrics of real training images, the floor.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import { initBackend, type BackendName } from '../../backend/index.js';
import { latestCheckpoint, loadCheckpoint } from '../../checkpoint/index.js';
import { resolveConfig } from '../../config/index.js';
import { DATASET_SOURCES, isDatasetSource, loadDataset, type DatasetSource, type Split } from '../../data/index.js';
import { CheckpointError, UsageError } from '../../errors.js';
import { classifierFor } from '../../metrics/during-training.js';
import { resolveZooTarget } from '../../pretrained/zoo.js';
import { defaultEvalOptions, evaluateModel, realVsReal, type EvalOptions, type MetricRecord } from '../../metrics/evaluate.js';

const ROW_NAMES: Record<string, string> = {
  fid: 'FID', kid: 'KID', is: 'IS', precision: 'precision', recall: 'recall', classes: 'classes',
  elbo: 'ELBO', 'elbo/rec': 'ELBO rec', 'elbo/kl': 'ELBO KL', 'nll/iwae': 'NLL (IWAE)',
};

/** The metrics as an aligned text table: metric, value, ± std, N, reference split, details. */
export function metricsTable(records: MetricRecord[]): string {
  const rows = records.map((r) => {
    const detail = r.metric === 'classes' ? `of 10; per class [${(r.counts as number[]).join(' ')}]`
      : r.metric === 'kid' ? `${r.subsets as number} subsets of ${r.subsetSize as number}`
      : r.metric === 'nll/iwae' ? `k = ${r.k as number}, nats` : r.metric.startsWith('elbo') ? 'nats per sample'
      : r.metric === 'precision' || r.metric === 'recall' ? `k = ${r.k as number}` : r.metric === 'fid' ? `reference N = ${r.refN as number}` : '';
    const value = r.metric === 'classes' ? String(r.value) : Math.abs(r.value) >= 100 ? r.value.toFixed(2) : r.value.toPrecision(4);
    return [ROW_NAMES[r.metric] ?? r.metric, value, r.std === undefined ? '' : `± ${r.std.toPrecision(2)}`, String(r.n), r.ref, detail];
  });
  const head = ['metric', 'value', 'std', 'N', 'ref', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

function checkpointOf(target: string): string {
  if (existsSync(path.join(target, 'manifest.json'))) return target;
  if (!existsSync(target)) throw new UsageError(`${target}: no such run or checkpoint folder`);
  const latest = latestCheckpoint(target);
  if (!latest) throw new CheckpointError(`${target}: no checkpoint in this run folder`);
  return latest;
}

function optionsOf(args: { n: number; iwaeK: number; iwaeN?: number; kidSubsets: number; seed: number }): EvalOptions {
  if (!Number.isInteger(args.n) || args.n < 2 || args.n > 100_000) throw new UsageError(`--n ${args.n}: a whole number from 2 to 100000`);
  if (!Number.isInteger(args.iwaeK) || args.iwaeK < 0) throw new UsageError(`--iwae-k ${args.iwaeK}: a whole number of at least 0`);
  if (args.iwaeN !== undefined && (!Number.isInteger(args.iwaeN) || args.iwaeN < 1)) throw new UsageError(`--iwae-n ${args.iwaeN}: a whole number of at least 1`);
  if (!Number.isInteger(args.kidSubsets) || args.kidSubsets < 1) throw new UsageError(`--kid-subsets ${args.kidSubsets}: a whole number of at least 1`);
  return { ...defaultEvalOptions(), n: args.n, iwaeK: args.iwaeK, ...(args.iwaeN !== undefined ? { iwaeN: args.iwaeN } : {}), kidSubsets: args.kidSubsets, seed: args.seed };
}

export function registerEval(y: Argv) {
  const d = defaultEvalOptions();
  return y.command('eval [run]', 'sample-quality metrics of a run (its latest checkpoint) or of one checkpoint folder', (c) =>
    c
      .positional('run', { type: 'string', describe: 'run folder, checkpoints/step-XXXXXX folder or zoo:<name>' })
      .option('checkpoint', { type: 'string', describe: 'a checkpoint folder (instead of the positional run)' })
      .option('real-vs-real', { type: 'boolean', default: false, describe: 'the floor: real training images against the reference split' })
      .option('dataset', { type: 'string', default: 'mnist-embedded', describe: `with --real-vs-real: ${DATASET_SOURCES.join(', ')}` })
      .option('dir', { type: 'string', describe: 'with --real-vs-real: folder of the IDX files' })
      .option('ref', { choices: ['test', 'train'] as const, default: 'test' as const, describe: 'the real split to compare with' })
      .option('n', { type: 'number', default: d.n, describe: 'generated samples' })
      .option('iwae-k', { type: 'number', default: 500, describe: 'VAE: importance samples of the IWAE NLL (0: skip; 5000 for a final number, minutes)' })
      .option('iwae-n', { type: 'number', describe: 'VAE: IWAE NLL on this many reference images, spread evenly over the split (default: all)' })
      .option('kid-subsets', { type: 'number', default: d.kidSubsets })
      .option('seed', { type: 'number', default: 0, describe: 'key of the KID subsets and the real-vs-real pick' })
      .option('ema', { type: 'boolean', default: true, describe: "a run with train.ema: evaluate G's EMA (network G_ema), as evaluation during training does; --no-ema: the raw G" })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of the table' })
      .option('out', { type: 'string', describe: 'also write the JSON to this file (default with a run: <run>/eval/<checkpoint>-<ref>-n<N>.json)' })
      .option('backend', { type: 'string', default: 'auto', describe: 'auto | tensorflow-gpu | tensorflow | wasm | cpu' }),
  async (args) => {
    const options = optionsOf(args);
    const target = args.checkpoint ?? args.run;
    if (!args.realVsReal && !target) throw new UsageError('name a run or checkpoint folder (or --checkpoint <dir>), or use --real-vs-real');
    if (args.realVsReal && target) throw new UsageError('--real-vs-real measures real images only: drop the run folder');
    let records: MetricRecord[];
    let subject: string;
    let generator: string | undefined;
    let out = args.out;
    if (args.realVsReal) {
      if (!isDatasetSource(args.dataset)) throw new UsageError(`--dataset ${args.dataset}: valid sources: ${DATASET_SOURCES.join(', ')}`);
      await initBackend(args.backend as BackendName);
      const clf = await classifierFor(args.dataset);
      const spec = { source: args.dataset, dir: args.dir };
      const ref = await loadDataset({ ...spec, split: args.ref as Split });
      const train = await loadDataset({ ...spec, split: args.ref === 'test' ? 'train' : 'test' });
      records = realVsReal(train, ref, args.dir, clf, options);
      subject = `${records[0].n} real ${train.split} images of ${args.dataset} vs the ${ref.split} split (${ref.count}), classifier ${clf.info.hash}`;
      clf.model.dispose();
    } else {
      const zoo = resolveZooTarget(target!);
      const dir = zoo ?? checkpointOf(target!);
      await initBackend(args.backend as BackendName);
      const ckpt = await loadCheckpoint(dir);
      try {
        const config = resolveConfig(ckpt.config as Record<string, unknown>, path.join(dir, 'config.json'));
        const clf = await classifierFor(config.data.source);
        const ref = await loadDataset({ source: config.data.source as DatasetSource, dir: config.data.dir, split: args.ref as Split });
        // Like samples and evaluation during training (coordinator/master.ts sampleNets), G's EMA stands in for G.
        const ema = args.ema && ckpt.networks.G_ema !== undefined;
        const nets = ema ? { ...ckpt.networks, G: ckpt.networks.G_ema } : ckpt.networks;
        generator = ema ? 'G_ema' : ckpt.networks.G ? 'G' : undefined;
        records = evaluateModel({ config, nets, ref, dataDir: config.data.dir, classifier: clf, options, key: 'cli' });
        clf.model.dispose();
        subject = `${dir} (step ${ckpt.step}${ema ? ', EMA generator G_ema' : ''}): ${options.n} samples vs the ${ref.split} split of ${config.data.source} (${ref.count}), classifier ${clf.info.hash}`;
        // A zoo model's folder is part of the package: its JSON is written only to an explicit --out.
        if (!zoo) out ??= path.join(path.dirname(path.dirname(dir)), 'eval', `${path.basename(dir)}-${args.ref}-n${options.n}.json`);
      } finally {
        for (const net of Object.values(ckpt.networks)) net.dispose();
      }
    }
    const json = JSON.stringify({ subject, ...(generator ? { generator } : {}), metrics: records }, null, 2) + '\n';
    process.stdout.write(args.json ? json : `${subject}\n${metricsTable(records)}`);
    if (out) {
      mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
      writeFileSync(out, json);
      if (!args.json) process.stdout.write(`-> ${out}\n`);
    }
  });
}
