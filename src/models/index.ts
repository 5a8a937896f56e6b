// Models: the families and their weights.
export type { GrowthStage, ImageShape, ModelFamily, NamedWeights, PhaseSpec } from './family.js';
export { MODEL_FAMILIES, modelFamily } from './registry.js';
export { initialWeights, readWeights } from './init.js';
