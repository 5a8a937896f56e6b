// The 'mnist' and 'fashion-mnist' sources: a split's images and labels IDX files read from a folder.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { ArrayDataset, type Dataset, type Split } from './dataset.js';
import { readIdx } from './idx.js';
import { DEFAULT_DIRS, IDX_FILES, installHint, type IdxSource } from './idx-files.js';

const CLASSES = 10; // both MNIST and Fashion-MNIST

/**
 * Loads one split of an IDX dataset from `dir` (default: {@link DEFAULT_DIRS}). Each file may be plain or
 * gzipped (`name` or `name.gz`). The images file must be [N, H, W], the labels file [N] with labels < 10.
 */
export function loadIdxDataset(source: IdxSource, split: Split, dir?: string): Dataset {
  const folder = dir ?? DEFAULT_DIRS[source];
  if (folder === undefined) {
    throw new DataError(`${source}: no data folder given, and ${source} has no default folder`, {
      hint: installHint(source, '<dir>'),
    });
  }
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new DataError(`${source}: folder ${folder} does not exist`, { hint: installHint(source, folder) });
  }
  const names = IDX_FILES[split];
  const imagesFile = findFile(source, folder, names.images);
  const labelsFile = findFile(source, folder, names.labels);
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  if (images.dims.length !== 3) {
    throw new DataError(`${imagesFile}: expected 3 dimensions [N, height, width], header has [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1) {
    throw new DataError(`${labelsFile}: expected 1 dimension [N], header has [${labels.dims.join(', ')}]`);
  }
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataError(`${labelsFile}: holds ${labels.dims[0]} labels but ${imagesFile} holds ${count} images`);
  }
  const bad = labels.data.findIndex((l) => l >= CLASSES);
  if (bad >= 0) {
    throw new DataError(`${labelsFile}: label ${labels.data[bad]} at index ${bad} is not below ${CLASSES}`);
  }
  return new ArrayDataset({
    name: source,
    split,
    height,
    width,
    channels: 1,
    classes: CLASSES,
    images: images.data,
    labels: labels.data,
  });
}

// Plain first: someone who unpacked the files wants them used, and they read faster.
function findFile(source: IdxSource, folder: string, base: string): string {
  for (const name of [base, `${base}.gz`]) {
    const file = join(folder, name);
    if (existsSync(file)) return file;
  }
  throw new DataError(`${source}: ${join(folder, base)}[.gz] not found`, { hint: installHint(source, folder) });
}
