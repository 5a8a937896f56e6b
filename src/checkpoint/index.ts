// Checkpoints (DESIGN.md §9): save / load / verify / list, and a file IOHandler for TF.js LayersModels.
export type { CheckpointData, LoadedCheckpoint, LoadOptions, NamedArray, SaveOptions } from './types.js';
export { saveCheckpoint, defaultSaveOptions } from './save.js';
export { loadCheckpoint, loadNewestValid } from './load.js';
export { verifyCheckpoint, MANIFEST_FORMAT, MANIFEST_VERSION } from './manifest.js';
export { checkpointDirName, listCheckpoints, latestCheckpoint, CHECKPOINTS_DIR } from './layout.js';
export { fileIOHandler } from './io-handler.js';
