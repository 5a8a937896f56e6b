// The shipped classifier weights (src/metrics/classifiers/, made by `ganymede classifier train`) load, match their
// recorded hash, reproduce the recorded test accuracy on the held-out split, and classify a fixed set of test digits.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { loadDataset } from '../../src/data/index.js';
import { accuracy, embed } from '../../src/metrics/classifier.js';
import { loadClassifier, shippedClassifierDir } from '../../src/metrics/classifier-store.js';

test('mnist-embedded classifier: recorded accuracy reproduced on the 1,000 held-out digits', { timeout: 120_000 }, async () => {
  await initBackend('wasm');
  const clf = await loadClassifier('mnist-embedded');
  const data = await loadDataset({ source: 'mnist-embedded', split: 'test' });
  const all = embed(clf.model, data.images, data.count, data);
  assert.ok(Math.abs(accuracy(all, data.labels) - clf.info.testAccuracy) < 1e-9, `${accuracy(all, data.labels)} vs ${clf.info.testAccuracy}`);
  assert.ok(clf.info.testAccuracy >= 0.97);
  // A fixed set: the first 10 held-out digits of each class (100 digits); at most 3 may be wrong.
  const first = Array.from({ length: 10 }, (_, c) => Array.from({ length: 10 }, (__, j) => c * 100 + j)).flat();
  const right = first.filter((i) => {
    const p = all.probs.subarray(i * 10, i * 10 + 10);
    return p.indexOf(Math.max(...p)) === data.label(i);
  }).length;
  assert.ok(right >= 97, `${right} of 100`);
  assert.equal(all.dim, 128);
  clf.model.dispose();
});

test('fashion-mnist classifier: loads and reproduces its recorded accuracy on 1,000 test images', { timeout: 120_000, skip: !existsSync(`${shippedClassifierDir('fashion-mnist')}/classifier.json`) || !existsSync('/usr/share/datasets/fashion-mnist') }, async () => {
  await initBackend('wasm');
  const clf = await loadClassifier('fashion-mnist');
  const data = await loadDataset({ source: 'fashion-mnist', split: 'test' });
  const n = 1000;
  const e = embed(clf.model, data.images.subarray(0, n * 784), n, data);
  const acc = accuracy(e, data.labels.subarray(0, n));
  assert.ok(Math.abs(acc - clf.info.testAccuracy) < 0.05, `${acc} on the first 1,000 vs ${clf.info.testAccuracy} on all`);
  clf.model.dispose();
});
