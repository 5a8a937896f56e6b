// The classifier's training is keyed: the same seed gives byte-identical weights; a saved classifier loads back
// with the same predictions and hash, and a changed weight file is refused. A tiny run (seconds), not the shipped one.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { ArrayDataset, loadDataset } from '../../src/data/index.js';
import { embed } from '../../src/metrics/classifier.js';
import { loadClassifier, saveClassifier } from '../../src/metrics/classifier-store.js';
import { trainClassifier } from '../../src/metrics/classifier-train.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ganymede-clf-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('same seed, same classifier weights; saved and loaded, same features; a changed file is refused', { timeout: 120_000 }, async () => {
  await initBackend('wasm');
  const full = await loadDataset({ source: 'mnist-embedded', split: 'train' });
  const n = 128; // 2 batches of 64, every class present
  const pick = Array.from({ length: n }, (_, i) => Math.floor((i * full.count) / n));
  const small = new ArrayDataset({
    name: 'mnist-embedded', split: 'train', height: 28, width: 28, channels: 1, classes: 10,
    images: Uint8Array.from(pick.flatMap((i) => Array.from(full.pixels(i)))), labels: Uint8Array.from(pick.map((i) => full.label(i))),
  });
  const options = { epochs: 1, batchSize: 64, lr: 1e-3, shift: 2, seed: 3 };
  const a = await trainClassifier(small, undefined, options);
  const b = await trainClassifier(small, undefined, options);
  const c = await trainClassifier(small, undefined, { ...options, seed: 4 });
  const flat = (m: tf.LayersModel) => Buffer.concat(m.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).buffer)));
  assert.ok(flat(a).equals(flat(b)), 'same seed, same weights');
  assert.ok(!flat(a).equals(flat(c)), 'another seed, other weights');
  const info = await saveClassifier(a, dir, { dataset: 'mnist-embedded', train: n, test: 0, testAccuracy: 0, ...options, backend: 'wasm', command: 'test' });
  const loaded = await loadClassifier('mnist-embedded', dir);
  assert.equal(loaded.info.hash, info.hash);
  const before = embed(a, small.images, 64, small);
  const back = embed(loaded.model, small.images, 64, small);
  assert.deepEqual(back.features, before.features);
  assert.deepEqual(back.probs, before.probs);
  const weights = path.join(dir, 'weights.bin');
  const bytes = readFileSync(weights);
  bytes[100] ^= 1;
  writeFileSync(weights, bytes);
  await assert.rejects(loadClassifier('mnist-embedded', dir), /does not match classifier\.json/);
  for (const m of [a, b, c, loaded.model]) m.dispose();
});
