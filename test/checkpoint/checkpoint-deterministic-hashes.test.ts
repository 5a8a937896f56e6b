// Equal weights give equal SHA-256 in the manifest (DESIGN.md §10): the files hold nothing but the content.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { saveCheckpoint } from '../../src/checkpoint/index.js';
import { buildMlp, makeData, tmpDir, useCpu } from './fixtures.js';

before(useCpu);

interface ManifestFile { path: string; size: number; sha256: string }
const manifestOf = (dir: string): { files: ManifestFile[] } =>
  JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: ManifestFile[] };

test('two saves of equal data into different run dirs give identical manifests', async () => {
  // Separately built networks with the same names and seeds: model.json must not depend on the instance.
  const a = makeData(10);
  const b = makeData(10);
  const dirA = await saveCheckpoint(tmpDir(), a);
  await new Promise((resolve) => setTimeout(resolve, 20)); // a different clock must not matter either
  const dirB = await saveCheckpoint(tmpDir(), b);
  const bytesA = fs.readFileSync(path.join(dirA, 'manifest.json'));
  assert.ok(bytesA.equals(fs.readFileSync(path.join(dirB, 'manifest.json'))), 'manifest.json differs');
  for (const f of manifestOf(dirA).files) {
    assert.ok(fs.readFileSync(path.join(dirA, f.path)).equals(fs.readFileSync(path.join(dirB, f.path))), f.path);
  }
  [a, b].forEach((d) => Object.values(d.networks).forEach((m) => m.dispose()));
});

test('different weights change only the weights hash, not model.json', async () => {
  const a = makeData(10);
  const b = makeData(10, { G: buildMlp('G', 1), D: buildMlp('D', 7, 3, 1) });
  const out = b.networks.G!.layers[1]!;
  tf.tidy(() => {
    const [kernel, bias] = out.getWeights();
    out.setWeights([kernel!, bias!.add(1e-3)]);
  });
  const hashes = async (d: typeof a): Promise<Map<string, string>> =>
    new Map(manifestOf(await saveCheckpoint(tmpDir(), d)).files.map((f) => [f.path, f.sha256]));
  const [ha, hb] = [await hashes(a), await hashes(b)];
  assert.equal(ha.get('G/model.json'), hb.get('G/model.json'));
  assert.notEqual(ha.get('G/weights.bin'), hb.get('G/weights.bin'));
  assert.equal(ha.get('D/weights.bin'), hb.get('D/weights.bin'));
  [a, b].forEach((d) => Object.values(d.networks).forEach((m) => m.dispose()));
});
