// Evaluation of a generator (or a VAE's decoder) against a real split, through the feature classifier: FID, KID,
// IS, precision/recall and the class histogram; for VAEs also the test ELBO (with its parts) and the IWAE NLL.
// Every record names N, the reference split and the classifier hash next to its value.
import type * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/index.js';
import type { Dataset } from '../data/index.js';
import { modelFamily } from '../models/index.js';
import { KeyedRandom } from '../rng.js';
import { sampleImages } from '../train/sample.js';
import { embed, type Embedding } from './classifier.js';
import type { LoadedClassifier } from './classifier-store.js';
import { featureStats } from './feature-stats.js';
import { frechetDistance } from './frechet.js';
import { classHistogram, inceptionScore } from './inception-score.js';
import { elboParts, iwaeNll } from './iwae.js';
import { kid } from './kid.js';
import { precisionRecall } from './precision-recall.js';
import { referenceEmbedding } from './reference.js';

/** One metric value as metrics.jsonl and `ganymede eval --json` write it. */
export interface MetricRecord {
  metric: string;
  value: number;
  /** Generated (or evaluated) samples. */
  n: number;
  /** The real split compared against. */
  ref: string;
  classifier?: string;
  std?: number;
  [detail: string]: unknown;
}

export interface EvalOptions {
  /** Generated samples (FID is biased upwards at small N: compare values at equal N only). */
  n: number;
  kidSubsets: number;
  kidSubsetSize: number;
  prK: number;
  isSplits: number;
  /** Importance samples of the VAE NLL; 0 skips it. */
  iwaeK: number;
  /** Reference images of the IWAE NLL: every (count/iwaeN)-th one, so all classes stay in (default: all). */
  iwaeN?: number;
  seed: number;
}

export const defaultEvalOptions = (): EvalOptions => ({ n: 1000, kidSubsets: 10, kidSubsetSize: 1000, prK: 3, isSplits: 10, iwaeK: 0, seed: 0 });

/** n generated images (uint8 [n, H, W, C]), in chunks, from z keyed by (config.seed, 'samples', key/chunk). */
export function generatedImages(config: Readonly<Config>, nets: Record<string, tf.LayersModel>, n: number, key: string, pixels: number, chunk = 500): Uint8Array {
  const out = new Uint8Array(n * pixels);
  for (let from = 0; from < n; from += chunk) {
    const m = Math.min(chunk, n - from);
    out.set(sampleImages(config, nets, m, `${key}/${from / chunk}`), from * pixels);
  }
  return out;
}

/** FID, KID, IS, precision/recall and class coverage of `fake` against `real` features. */
export function compareEmbeddings(fake: Embedding, real: Embedding, ref: string, classifier: string, o: EvalOptions): MetricRecord[] {
  const base = { n: fake.n, ref, classifier };
  const fid = frechetDistance(featureStats({ n: fake.n, dim: fake.dim, data: fake.features }, 'generated features'), featureStats({ n: real.n, dim: real.dim, data: real.features }, `${ref} features`));
  const fakeM = { n: fake.n, dim: fake.dim, data: fake.features };
  const realM = { n: real.n, dim: real.dim, data: real.features };
  const k = kid(fakeM, realM, { subsets: o.kidSubsets, subsetSize: o.kidSubsetSize, seed: o.seed });
  const is = inceptionScore(fake.probs, fake.n, fake.classes, Math.min(o.isSplits, fake.n));
  const pr = precisionRecall(fakeM, realM, o.prK);
  const hist = classHistogram(fake.probs, fake.n, fake.classes);
  return [
    { metric: 'fid', value: fid, ...base, refN: real.n },
    // One subset (both sets whole) has no spread to report.
    { metric: 'kid', value: k.value, ...(k.subsets > 1 ? { std: k.std } : {}), ...base, subsets: k.subsets, subsetSize: k.subsetSize },
    { metric: 'is', value: is.value, std: is.std, ...base, splits: is.splits },
    { metric: 'precision', value: pr.precision, ...base, k: pr.k },
    { metric: 'recall', value: pr.recall, ...base, k: pr.k },
    { metric: 'classes', value: hist.covered, ...base, counts: hist.counts },
  ];
}

export interface ModelEvalInput {
  config: Readonly<Config>;
  nets: Record<string, tf.LayersModel>;
  /** The reference split (usually test), and the folder its IDX files came from (part of the cache key). */
  ref: Dataset;
  dataDir?: string;
  classifier: LoadedClassifier;
  options: EvalOptions;
  /** Key of the generated z stream (e.g. the step), so that repeated evaluations differ only by the weights. */
  key: string;
}

/** Every metric of a model: the sample metrics for all families, plus ELBO and (iwaeK > 0) IWAE NLL for VAEs. */
export function evaluateModel(e: ModelEvalInput): MetricRecord[] {
  const image = { height: e.ref.height, width: e.ref.width, channels: e.ref.channels };
  const pixels = image.height * image.width * image.channels;
  const real = referenceEmbedding(e.ref, e.dataDir, e.classifier);
  const fakeImages = generatedImages(e.config, e.nets, e.options.n, `eval/${e.key}`, pixels);
  const fake = embed(e.classifier.model, fakeImages, e.options.n, image);
  const records = compareEmbeddings(fake, real, e.ref.split, e.classifier.info.hash, e.options);
  if (modelFamily(e.config.model.family).kind === 'vae') {
    const parts = elboParts(e.config, e.nets, e.ref, `eval/${e.key}`);
    const base = { n: parts.n, ref: e.ref.split };
    records.push({ metric: 'elbo', value: parts.elbo, ...base }, { metric: 'elbo/rec', value: parts.rec, ...base }, { metric: 'elbo/kl', value: parts.kl, ...base });
    if (e.options.iwaeK > 0) {
      const nll = iwaeNll(e.config, e.nets, e.ref, e.options.iwaeK, 'test', 2500, spreadIndices(e.ref.count, e.options.iwaeN));
      records.push({ metric: 'nll/iwae', value: nll.nll, ...base, n: nll.n, k: nll.k });
    }
  }
  return records;
}

/** n indices spread evenly over 0..count-1 (floor(j count / n)); all of them without n or when n >= count. */
export function spreadIndices(count: number, n?: number): number[] | undefined {
  if (n === undefined || n >= count) return undefined;
  return Array.from({ length: n }, (_, j) => Math.floor((j * count) / n));
}

/** The floor: n real training images (a keyed random subset) against the reference split. */
export function realVsReal(train: Dataset, ref: Dataset, dataDir: string | undefined, clf: LoadedClassifier, o: EvalOptions): MetricRecord[] {
  const n = Math.min(o.n, train.count);
  const per = train.height * train.width * train.channels;
  const pick = new KeyedRandom(o.seed, 'real-vs-real').permutation(train.count).subarray(0, n);
  const images = new Uint8Array(n * per);
  pick.forEach((idx, j) => images.set(train.pixels(idx), j * per));
  const fake = embed(clf.model, images, n, train);
  return compareEmbeddings(fake, referenceEmbedding(ref, dataDir, clf), ref.split, clf.info.hash, o).map((r) => ({ ...r, of: `${train.split} split` }));
}
