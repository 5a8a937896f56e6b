// The shipped classifiers: src/metrics/classifiers/<dataset>/{model.json, weights.bin, classifier.json}, written by
// `ganymede classifier train`; the hash of model.json + weights.bin names the classifier next to every metric value.
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileIOHandler } from '../checkpoint/index.js';
import { DataError, GanymedeError } from '../errors.js';
import '../models/layers/index.js'; // registers MaxPoolBy, which max-pooling classifiers' model.json names

/** src/metrics/classifiers in the package (the same folder from src/ and from the built dist/src/). */
export const SHIPPED_CLASSIFIERS = path.join(fileURLToPath(new URL('../../', import.meta.url)).replace(/\/dist\/$/, '/'), 'src', 'metrics', 'classifiers');

/** How a classifier is trained: the options of `classifier train`, recorded in classifier.json. */
export interface ClassifierRecipe {
  epochs: number;
  batchSize: number;
  /** Adam's initial learning rate; it decays to 0 along a cosine over all steps. */
  lr: number;
  /** Largest random shift, pixels, in each direction (0: no augmentation). */
  shift: number;
  /** Largest random rotation, degrees, either way (absent in classifiers made before it existed). */
  rotate?: number;
  /** Dropout rate on the feature layer while training (absent: none). */
  dropout?: number;
  /** Downsampling after each conv: 2x2 average (absent: avg) or max pooling. */
  pool?: 'avg' | 'max';
  /** Elastic distortion strength alpha, pixels (sigma 4; absent or 0: none). */
  elastic?: number;
  /** Feature maps of the two convolutions (absent: [32, 64]). */
  channels?: [number, number];
  seed: number;
}

/** What classifier.json records: how the weights were made and what they score. */
export interface ClassifierInfo extends ClassifierRecipe {
  dataset: string;
  train: number;
  test: number;
  testAccuracy: number;
  backend: string;
  /** The command that reproduces the weights. */
  command: string;
  /** When the weights come from an earlier recipe than today's `classifier train`: which, and from which commit. */
  recipe?: string;
  /** sha256(model.json || weights.bin), first 16 hex digits. */
  hash: string;
}

export interface LoadedClassifier { model: tf.LayersModel; info: ClassifierInfo; dir: string }

/** First 16 hex digits of SHA-256 over model.json then weights.bin. */
export function classifierHash(dir: string): string {
  const h = createHash('sha256');
  for (const f of ['model.json', 'weights.bin']) h.update(readFileSync(path.join(dir, f)));
  return h.digest('hex').slice(0, 16);
}

/** The folder of the shipped classifier of a dataset source. */
export function shippedClassifierDir(dataset: string): string {
  return path.join(SHIPPED_CLASSIFIERS, dataset);
}

export async function saveClassifier(model: tf.LayersModel, dir: string, info: Omit<ClassifierInfo, 'hash'>): Promise<ClassifierInfo> {
  await model.save(fileIOHandler(dir));
  const full: ClassifierInfo = { ...info, hash: classifierHash(dir) };
  writeFileSync(path.join(dir, 'classifier.json'), JSON.stringify(full, null, 2) + '\n');
  return full;
}

/** Loads a classifier folder (default: the shipped one of `dataset`) and checks its files against classifier.json. */
export async function loadClassifier(dataset: string, dir = shippedClassifierDir(dataset)): Promise<LoadedClassifier> {
  const infoFile = path.join(dir, 'classifier.json');
  if (!existsSync(infoFile)) {
    throw new DataError(`no feature classifier for '${dataset}' (${infoFile} not found)`, {
      hint: `train one: ganymede classifier train --dataset ${dataset}`,
    });
  }
  const info = JSON.parse(readFileSync(infoFile, 'utf8')) as ClassifierInfo;
  const hash = classifierHash(dir);
  if (hash !== info.hash) throw new GanymedeError(`${dir}: weights hash ${hash} does not match classifier.json (${info.hash})`, { hint: 'retrain it with the command in classifier.json' });
  if (info.dataset !== dataset) throw new GanymedeError(`${infoFile}: a classifier for '${info.dataset}', not '${dataset}'`);
  const model = await tf.loadLayersModel(fileIOHandler(dir));
  return { model, info, dir };
}
