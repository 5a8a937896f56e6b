// Config: schema, loading, overrides.
export { configSchema, type Config, type ModelConfig, type MlpGanConfig, type MlpVaeConfig, type AdamConfig } from './schema.js';
export { loadConfig, resolveConfig, applyOverrides, readConfigFile } from './load.js';
export { phasesOf } from './consistency.js';
export { RESUMABLE_KEYS, isResumable, resultDifference } from './compare.js';
export type { CganConfig, ConvVaeConfig, DcganConfig, ResnetGanConfig, SaganConfig } from './conv-models.js';
export type { ProganConfig, StageConfig } from './progressive.js';
export type { StyleganConfig } from './style-models.js';
