// SAGAN (Zhang et al. 2019, "Self-Attention Generative Adversarial Networks") at MNIST scale: the DCGAN
// networks (dcgan.ts) with a self-attention block at 14x14 in both G and D (gamma starts at 0, so training
// starts from the plain DCGAN) and spectral norm in D by default. The paper's recipe pairs it with the hinge
// loss and TTUR (configs/sagan.yaml).
import type { DcganConfig, ModelConfig, SaganConfig } from '../config/index.js';
import { discriminator, generator } from './dcgan.js';
import type { ImageShape, ModelFamily } from './family.js';
import { initialWeightsBy } from './layers/index.js';

export const sagan: ModelFamily = {
  name: 'sagan',
  kind: 'gan',
  phases: { D: { updates: ['D'], usesData: true }, G: { updates: ['G'], usesData: false } },
  build(model: ModelConfig, image: ImageShape) {
    const cfg = model as SaganConfig as unknown as DcganConfig;
    return { G: generator(cfg, image, true), D: discriminator(cfg, image, true) };
  },
  initialWeights(model, net, seed, config) {
    return initialWeightsBy((config as SaganConfig).init)(model, net, seed);
  },
};
