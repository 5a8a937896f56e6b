// The GAN toolbox's config keys: every recipe validates, defaults leave the seed GAN as it was, and combinations
// that would silently do nothing are ConfigErrors naming the key.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

test('every recipe in configs/ validates', () => {
  const root = path.resolve(import.meta.dirname, '../../../configs');
  for (const f of readdirSync(root).filter((n) => n.endsWith('.yaml'))) assert.doesNotThrow(() => loadConfig(path.join(root, f)), f);
});

test('the defaults switch every technique off', () => {
  const c = loadConfig(undefined);
  assert.deepEqual(
    { ...c.gan, r1: { ...c.gan.r1 } },
    { realLabel: 1, labelFlip: 0, weightClip: 0, gp: 0, drift: 0, r1: { gamma: 0, every: 1 }, generatorLoss: 'adversarial', diffAugment: [] },
  );
  assert.equal(c.train.nGen, 1);
  assert.equal(c.train.ema.decay, 0);
  assert.equal(c.train.earlyStop.metric, '');
  assert.equal(c.optimizer.D?.decay.type, 'none');
  assert.equal(c.optimizer.D?.clipNorm, 0);
});

test('meaningless combinations and bad values are ConfigErrors naming the key', () => {
  const bad: [string[], RegExp][] = [
    [['loss=hinge', 'gan.realLabel=0.9'], /gan\.realLabel \/ gan\.labelFlip: loss 'hinge' has no targets/],
    [['loss=wasserstein', 'gan.labelFlip=0.1'], /loss 'wasserstein' has no targets/],
    [['gan.r1.every=4'], /gan\.r1\.every: lazy R1 needs gan\.r1\.gamma > 0/],
    [['loss=elbo'], /loss: 'elbo' does not fit model\.family 'mlp-gan' \(allowed: 'bce-ns', 'minimax', 'lsgan', 'hinge', 'wasserstein'\)/],
    [['model.family=mlp-vae', 'loss=elbo', 'optimizer={VAE: {}}', 'gan.gp=10'], /apply to GANs/],
    [['gan.diffAugment=[rotate]'], /gan\.diffAugment/],
    [['gan.realLabel=0.3'], /gan\.realLabel/],
    [['optimizer.D.decay.type=sqrt'], /decay/],
    [['train.earlyStop.metric=loss G'], /train\.earlyStop\.metric/],
    [['gan.generatorLoss=fm'], /gan\.generatorLoss/],
  ];
  for (const [sets, message] of bad) {
    assert.throws(() => loadConfig(undefined, sets), (e: unknown) => e instanceof ConfigError && message.test(e.message), sets.join(' '));
  }
});
