// The dataset sources, from one explicit list; a bad name is an error listing the valid ones.
import { DataError } from '../errors.js';
import { SPLITS, type Dataset, type Split } from './dataset.js';
import { loadEmbedded } from './embedded.js';
import { loadIdxDataset } from './idx-source.js';

/** Every dataset source, the default first. */
export const DATASET_SOURCES = ['mnist-embedded', 'mnist', 'fashion-mnist'] as const;

export type DatasetSource = (typeof DATASET_SOURCES)[number];

/** Which dataset to load: a source, an optional folder (IDX sources) and a split. */
export interface DatasetSpec {
  source: DatasetSource;
  /** Folder of the IDX files; fashion-mnist defaults to /usr/share/datasets/fashion-mnist. Unused by mnist-embedded. */
  dir?: string;
  split: Split;
}

const LOADERS: Record<DatasetSource, (spec: DatasetSpec) => Dataset> = {
  'mnist-embedded': (spec) => loadEmbedded(spec.split),
  mnist: (spec) => loadIdxDataset('mnist', spec.split, spec.dir),
  'fashion-mnist': (spec) => loadIdxDataset('fashion-mnist', spec.split, spec.dir),
};

/** True when `name` is one of {@link DATASET_SOURCES}. */
export function isDatasetSource(name: string): name is DatasetSource {
  return (DATASET_SOURCES as readonly string[]).includes(name);
}

/** Loads one split of a dataset. Specs come from config files, so the names are checked at run time too. */
export async function loadDataset(spec: DatasetSpec): Promise<Dataset> {
  if (!isDatasetSource(spec.source)) {
    throw new DataError(`unknown dataset source '${String(spec.source)}'; valid sources: ${DATASET_SOURCES.join(', ')}`);
  }
  if (!SPLITS.includes(spec.split)) {
    throw new DataError(`unknown split '${String(spec.split)}'; valid splits: ${SPLITS.join(', ')}`);
  }
  return LOADERS[spec.source](spec);
}
