// The dataset registry: one explicit list of sources; a bad name or split lists the valid ones.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DataError } from '../../src/errors.js';
import { DATASET_SOURCES, isDatasetSource, loadDataset, type DatasetSpec } from '../../src/data/index.js';

describe('dataset registry', () => {
  test('lists the three sources, the default first', () => {
    assert.deepEqual([...DATASET_SOURCES], ['mnist-embedded', 'mnist', 'fashion-mnist']);
    assert.ok(isDatasetSource('mnist') && !isDatasetSource('cifar10'));
  });

  test('an unknown source names every valid one', async () => {
    const spec = { source: 'cifar10', split: 'train' } as unknown as DatasetSpec; // as from an unchecked config
    await assert.rejects(loadDataset(spec), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.equal(err.message, "unknown dataset source 'cifar10'; valid sources: mnist-embedded, mnist, fashion-mnist");
      return true;
    });
  });

  test('an unknown split names the valid ones', async () => {
    const spec = { source: 'mnist-embedded', split: 'validation' } as unknown as DatasetSpec;
    await assert.rejects(loadDataset(spec), /unknown split 'validation'; valid splits: train, test/);
  });
});
