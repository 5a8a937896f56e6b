// Reference features are cached per (dataset, folder, split, classifier hash): the second call reads the file and gives
// the same features; a corrupt cache file is recomputed, never trusted; another classifier hash is another file.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { loadDataset } from '../../src/data/index.js';
import { loadClassifier } from '../../src/metrics/classifier-store.js';
import { referenceEmbedding, referenceKey } from '../../src/metrics/reference.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ganymede-ref-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('reference cache: written once, read back equal, a corrupt file recomputed', { timeout: 120_000 }, async () => {
  await initBackend('wasm');
  const clf = await loadClassifier('mnist-embedded');
  const data = await loadDataset({ source: 'mnist-embedded', split: 'test' });
  const first = referenceEmbedding(data, undefined, clf, [dir]);
  const name = referenceKey(data, undefined, clf.info.hash);
  assert.deepEqual(readdirSync(dir), [name]);
  assert.match(name, new RegExp(`^ref-mnist-embedded-test-${clf.info.hash}-`));
  assert.notEqual(referenceKey(data, undefined, 'another0hash0000'), name);
  const again = referenceEmbedding(data, undefined, clf, [dir]);
  assert.deepEqual(again.features, first.features);
  assert.deepEqual(again.probs, first.probs);
  writeFileSync(path.join(dir, name), 'GNYMREF1 truncated');
  const rebuilt = referenceEmbedding(data, undefined, clf, [dir]);
  assert.deepEqual(rebuilt.features, first.features);
  clf.model.dispose();
});
