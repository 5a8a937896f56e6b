// Public surface of the data module: dataset sources, the IDX reader, downloads and the deterministic sampler.
export { ArrayDataset, SPLITS, type Dataset, type DatasetParts, type Split } from './dataset.js';
export { DATASET_SOURCES, isDatasetSource, loadDataset, type DatasetSource, type DatasetSpec } from './registry.js';
export { isGzip, parseIdx, readIdx, type IdxArray } from './idx.js';
export {
  DEFAULT_DIRS,
  DEFAULT_MIRRORS,
  DOWNLOAD_FILES,
  IDX_FILES,
  SHA256,
  type DownloadFile,
  type IdxSource,
} from './idx-files.js';
export { loadIdxDataset } from './idx-source.js';
export { EMBEDDED_TEST_PER_CLASS, defaultCacheDirs, loadEmbedded, type EmbeddedOptions } from './embedded.js';
export { downloadDataset, type DownloadOptions } from './download.js';
export { Sampler, type SamplerOptions } from './sampler.js';
