// The custom layers, each registered with tf.serialization on import, so model.json files that use them load
// with tf.loadLayersModel once this module is imported.
export { ShardBatchNorm, normalise } from './batch-norm.js';
export { SNConv2D, SNDense, spectralNormalise } from './spectral-norm.js';
export { KeyedDropout } from './keyed-dropout.js';
export { ShardContext, inShard, isTraining, shardContext, type StatefulLayer } from './shard-context.js';
export { Upsample2x, AvgPool2x, GlobalSumPool } from './resample.js';
export { SelfAttention } from './self-attention.js';
export { ConditionalBatchNorm, Projection } from './conditional.js';
export { initialWeightsBy, type InitRule } from './init.js';
export { EqualizedLayer, PixelNorm, MinibatchStddev, FadeIn, UpsampleBy, AvgPoolBy, MaxPoolBy, setFadeAlpha, heScale } from './progressive.js';
export { LatentNorm, MappingDense, MixingLatent, StyleMixing, WAverage } from './style-mapping.js';
export { ModulatedConv2D, NoiseInjection, StyleConst } from './style-conv.js';
