// loadCheckpoint({ expectConfig }): a different config is a CheckpointError naming the first differing key path.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { CheckpointError } from '../../src/errors.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/checkpoint/index.js';
import { makeData, tmpDir, useCpu } from './fixtures.js';

before(useCpu);

const config = {
  seed: 1,
  train: { batchSize: 64, steps: 100, lr: { D: 2e-4, G: 1e-4 } },
  model: { name: 'seed-gan', hidden: [256, 256] },
};

async function savedDir(): Promise<string> {
  const data = { ...makeData(10), config };
  const dir = await saveCheckpoint(tmpDir(), data);
  Object.values(data.networks).forEach((m) => m.dispose());
  return dir;
}

async function assertMismatch(dir: string, expectConfig: unknown, message: string): Promise<void> {
  await assert.rejects(loadCheckpoint(dir, { expectConfig }), (err: unknown) => {
    assert.ok(err instanceof CheckpointError);
    assert.ok(err.message.endsWith(message), err.message);
    assert.match(err.message, /config\.json: /);
    return true;
  });
}

test('a changed value names its key path and both values', async () => {
  const dir = await savedDir();
  await assertMismatch(dir, { ...config, train: { ...config.train, batchSize: 32 } }, 'config differs at train.batchSize: checkpoint 64, now 32');
  await assertMismatch(dir, { ...config, model: { ...config.model, hidden: [256, 128] } }, 'config differs at model.hidden[1]: checkpoint 256, now 128');
  await assertMismatch(dir, { ...config, model: { ...config.model, name: 'dcgan' } }, 'config differs at model.name: checkpoint "seed-gan", now "dcgan"');
});

test('an added or removed key is reported as absent on one side', async () => {
  const dir = await savedDir();
  await assertMismatch(dir, { ...config, train: { ...config.train, microShards: 8 } }, 'config differs at train.microShards: checkpoint (absent), now 8');
  const { seed: _seed, ...noSeed } = config;
  await assertMismatch(dir, noSeed, 'config differs at seed: checkpoint 1, now (absent)');
});

test('the same config in another key order, with undefined optional keys, matches', async () => {
  const dir = await savedDir();
  const reordered = { model: { hidden: [256, 256], name: 'seed-gan', note: undefined }, train: { lr: { G: 1e-4, D: 2e-4 }, steps: 100, batchSize: 64 }, seed: 1 };
  const loaded = await loadCheckpoint(dir, { expectConfig: reordered });
  assert.deepEqual(loaded.config, config);
  Object.values(loaded.networks).forEach((m) => m.dispose());
});
