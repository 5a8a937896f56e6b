import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyOverrides, loadConfig, resultDifference } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ganymede-config-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));
function yamlFile(text: string): string {
  const file = path.join(tmp, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return file;
}

test('defaults are the seed GAN and the result is frozen', () => {
  const c = loadConfig(undefined);
  assert.equal(c.model.family, 'mlp-gan');
  assert.deepEqual(c.model.family === 'mlp-gan' && c.model.gHidden, [256, 512, 1024]);
  assert.equal(c.optimizer.D?.lr, 2e-4);
  assert.equal(c.optimizer.G?.beta1, 0.5);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.train));
});

test('the recipes in configs/ validate', () => {
  const root = path.resolve(import.meta.dirname, '../../../configs');
  assert.equal(loadConfig(path.join(root, 'seed-gan.yaml')).model.family, 'mlp-gan');
  assert.equal(loadConfig(path.join(root, 'seed-vae.yaml')).model.family, 'mlp-vae');
});

test('an unknown key is a ConfigError naming its path and the file', () => {
  const file = yamlFile('train:\n  stepz: 10\n');
  assert.throws(() => loadConfig(file), (e: Error) => e instanceof ConfigError && e.message.includes('train.stepz') && e.message.includes(file));
  assert.throws(() => loadConfig(undefined, ['bogus=1']), /unknown key bogus/);
});

test('a bad value names the key path and what is allowed', () => {
  assert.throws(() => loadConfig(undefined, ['backend=gpu']), (e: Error) => e instanceof ConfigError && /backend/.test(e.message) && /wasm/.test(e.message));
  assert.throws(() => loadConfig(undefined, ['train.batchSize=-3']), /train\.batchSize/);
  assert.throws(() => loadConfig(undefined, ['cluster.workers=0']), /cluster\.workers/);
});

test('a batch not divisible by the micro-shards is rejected', () => {
  assert.throws(() => loadConfig(undefined, ['train.batchSize=60', 'train.microShards=8']), /not divisible/);
});

test('cluster.minWorkers and maxWorkers must bracket cluster.workers', () => {
  assert.throws(() => loadConfig(undefined, ['cluster.workers=2', 'cluster.minWorkers=3']), /cluster.minWorkers 3 is more than cluster.workers 2/);
  assert.throws(() => loadConfig(undefined, ['cluster.workers=4', 'cluster.maxWorkers=3']), /cluster.maxWorkers 3 is less than cluster.workers 4/);
  assert.throws(() => loadConfig(undefined, ['train.onNonFinite=skip']), /train.onNonFinite/);
  const ok = loadConfig(undefined, ['cluster.workers=2', 'cluster.maxWorkers=8']);
  assert.equal(ok.cluster.maxWorkers, 8);
  assert.equal(ok.cluster.minWorkers, 1);
});

test('bad YAML and a missing file name the file', () => {
  assert.throws(() => loadConfig(yamlFile('train: [1,\n')), /not valid YAML/);
  assert.throws(() => loadConfig(path.join(tmp, 'nope.yaml')), /nope\.yaml: cannot read/);
});

test('--set parses YAML values into nested keys without touching the input', () => {
  const raw = { train: { steps: 5 } };
  const out = applyOverrides(raw, ['train.steps=7', 'model.gHidden=[8, 16]', 'name=x']);
  assert.deepEqual(out, { train: { steps: 7 }, model: { gHidden: [8, 16] }, name: 'x' });
  assert.equal(raw.train.steps, 5);
  assert.throws(() => applyOverrides({}, ['novalue']), /key\.path=value/);
});

test('a VAE needs the elbo loss and a VAE optimizer', () => {
  assert.throws(() => loadConfig(undefined, ['model.family=mlp-vae']), /does not fit/);
  const c = loadConfig(undefined, ['model.family=mlp-vae', 'loss=elbo', 'optimizer={VAE: {lr: 0.001}}']);
  assert.equal(c.optimizer.VAE?.lr, 0.001);
});

test('resultDifference ignores keys a resumed run may change', () => {
  const a = loadConfig(undefined);
  assert.equal(resultDifference(a, loadConfig(undefined, ['train.steps=9', 'cluster.workers=3', 'backend=cpu'])), undefined);
  assert.equal(resultDifference(a, loadConfig(undefined, ['seed=3']))?.path, 'seed');
});
