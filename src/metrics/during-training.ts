// Evaluation inside the training loop (coordinator/trainer.ts): every `eval.every` steps, the metrics of the current
// weights against the reference split, appended to metrics.jsonl as {"step", "metric", "value", "n", "ref", ...};
// tracks the best FID for `eval.keepBest` and `eval.patience`. Runs on the coordinator, between steps.
import type * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../config/index.js';
import { loadDataset, type Dataset, type DatasetSource } from '../data/index.js';
import { loadClassifier, type LoadedClassifier } from './classifier-store.js';
import { evaluateModel, type EvalOptions, type MetricRecord } from './evaluate.js';

/** The shipped classifier of a dataset source: full MNIST is measured with the embedded-MNIST classifier unless it has its own. */
export async function classifierFor(source: string): Promise<LoadedClassifier> {
  try {
    return await loadClassifier(source);
  } catch (err) {
    if (source === 'mnist') return loadClassifier('mnist-embedded');
    throw err;
  }
}

/** Key of the generated z stream of the evaluation at `step` (so that it can be recomputed from a checkpoint). */
export const evalKey = (step: number): string => `step-${step}`;

/** The evaluation options of a run's `eval` section. */
export function evalOptionsOf(config: Readonly<Config>): EvalOptions {
  const e = config.eval;
  return { n: e.n, kidSubsets: e.kidSubsets, kidSubsetSize: e.kidSubsetSize, prK: 3, isSplits: 10, iwaeK: e.iwaeK, seed: config.seed };
}

export interface EvalVerdict {
  records: MetricRecord[];
  fid?: number;
  /** This evaluation's FID is the lowest so far. */
  best: boolean;
  /** `eval.patience` evaluations in a row without a lower FID. */
  stop: boolean;
}

/** Loads what evaluations need once per run (classifier, reference split) and judges each evaluation. */
export class TrainingEvaluator {
  private bestFid = Infinity;
  private sinceBest = 0;

  private constructor(
    private readonly config: Readonly<Config>,
    private readonly ref: Dataset,
    private readonly classifier: LoadedClassifier,
  ) {}

  /**
   * undefined when evaluation is off (eval.every = 0). A resumed run (from step `start`) reads the FID lines of
   * `metricsFile` up to `start`, so that keepBest and patience go on as in the uninterrupted run.
   */
  static async create(config: Readonly<Config>, metricsFile?: string, start = 0): Promise<TrainingEvaluator | undefined> {
    if (config.eval.every === 0) return undefined;
    const classifier = await classifierFor(config.data.source);
    const ref = await loadDataset({ source: config.data.source as DatasetSource, dir: config.data.dir, split: config.eval.ref });
    const evaluator = new TrainingEvaluator(config, ref, classifier);
    if (metricsFile && start > 0 && existsSync(metricsFile)) {
      for (const text of readFileSync(metricsFile, 'utf8').split('\n')) {
        const l = text.trim() ? (JSON.parse(text) as { step?: number; metric?: string; value?: number }) : {};
        if (l.metric !== 'fid' || l.value === undefined || (l.step ?? Infinity) > start) continue;
        if (l.value < evaluator.bestFid) [evaluator.bestFid, evaluator.sinceBest] = [l.value, 0];
        else evaluator.sinceBest++;
      }
    }
    return evaluator;
  }

  due(step: number): boolean {
    return step % this.config.eval.every === 0;
  }

  /**
   * The metrics of `nets` at `step`. The trainer passes the sampling networks (coordinator/master.ts sampleNets): with
   * train.ema on, G is G's EMA, as in StudioGAN; the records then say `generator: 'G_ema'`.
   */
  evaluate(step: number, nets: Record<string, tf.LayersModel>): EvalVerdict {
    const e = this.config.eval;
    const ema = this.config.train.ema.decay > 0 && nets.G !== undefined;
    const records = evaluateModel({
      config: this.config, nets, ref: this.ref, dataDir: this.config.data.dir, classifier: this.classifier, key: evalKey(step),
      options: evalOptionsOf(this.config),
    }).map((r) => (ema ? { ...r, generator: 'G_ema' } : r));
    const fid = records.find((r) => r.metric === 'fid')?.value;
    const best = fid !== undefined && fid < this.bestFid;
    if (best) {
      this.bestFid = fid;
      this.sinceBest = 0;
    } else {
      this.sinceBest++;
    }
    return { records, fid, best, stop: e.patience > 0 && this.sinceBest >= e.patience };
  }

  dispose(): void {
    this.classifier.model.dispose();
  }
}

/** One line of the progress display. */
export function describeEval(step: number, records: MetricRecord[]): string {
  const v = (m: string) => records.find((r) => r.metric === m)?.value;
  const parts = [`FID ${v('fid')?.toFixed(2)}`, `KID ${v('kid')?.toFixed(4)}`, `IS ${v('is')?.toFixed(2)}`, `P ${v('precision')?.toFixed(3)}`, `R ${v('recall')?.toFixed(3)}`, `classes ${v('classes')}`];
  if (v('elbo') !== undefined) parts.push(`ELBO ${v('elbo')?.toFixed(2)}`);
  return `step ${step}: ${parts.join(', ')} (N=${records[0]?.n}, vs ${records[0]?.ref})`;
}
