// The IWAE estimate (Burda et al. 2016): with k = 1 it is the negative ELBO in expectation, and it can only
// tighten (decrease) as k grows; the ELBO's parts add up. On the seed VAE's architecture with its initial weights.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/index.js';
import { ArrayDataset, loadDataset } from '../../src/data/index.js';
import { elboParts, iwaeNll } from '../../src/metrics/iwae.js';
import { initialWeights, modelFamily } from '../../src/models/index.js';

test('IWAE NLL: k = 1 matches -ELBO, k = 100 is lower; rec + KL = -ELBO', { timeout: 120_000 }, async () => {
  await initBackend('wasm');
  const config = loadConfig(new URL('../../../configs/seed-vae.yaml', import.meta.url).pathname, ['seed=3']);
  const nets = modelFamily('mlp-vae').build(config.model, { height: 28, width: 28, channels: 1 });
  for (const [name, model] of Object.entries(nets)) {
    const w = initialWeights(model, name, config.seed);
    tf.tidy(() => model.setWeights(w.values.map((v, i) => tf.tensor(v, w.shapes[i]))));
  }
  const test = await loadDataset({ source: 'mnist-embedded', split: 'test' });
  const n = 40;
  const small = new ArrayDataset({ ...test, images: test.images.subarray(0, n * 784), labels: test.labels.subarray(0, n) });
  const parts = elboParts(config, nets, small, 'iwae-test');
  assert.ok(Math.abs(parts.rec + parts.kl + parts.elbo) < 1e-6);
  const one = iwaeNll(config, nets, small, 1);
  const many = iwaeNll(config, nets, small, 100);
  assert.ok(Math.abs(one.nll + parts.elbo) / -parts.elbo < 0.01, `k=1 ${one.nll} vs -ELBO ${-parts.elbo}`);
  assert.ok(many.nll < one.nll, `k=100 ${many.nll} not below k=1 ${one.nll}`);
  assert.equal(many.k, 100);
  Object.values(nets).forEach((m) => m.dispose());
});
