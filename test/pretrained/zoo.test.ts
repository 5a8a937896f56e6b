// The model zoo: every committed entry verifies against zoo/zoo.json (SHA-256 of each file) and its own
// checkpoint manifest; `zoo get` copies a verified checkpoint; `sample --checkpoint zoo:<name>` draws a grid;
// an altered file is caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { readZooManifest, verifyZooEntry, zooRoot } from '../../src/pretrained/zoo.js';
import { runCli, tempDir } from '../integration/cli.js';

const root = tempDir('zoo');
test.after(() => rmSync(root, { recursive: true, force: true }));
const entries = readZooManifest().entries;

test('the zoo has the seed models, and every entry verifies', async () => {
  assert.ok(entries.some((e) => e.name === 'seed-vae'));
  assert.ok(entries.some((e) => e.name === 'seed-gan'));
  for (const e of entries) await verifyZooEntry(e);
});

for (const e of entries) {
  test(`zoo:${e.name}: get copies a verified checkpoint and sample draws a grid from it`, { timeout: 120_000 }, async () => {
    const out = path.join(root, e.name);
    const got = await runCli(['zoo', 'get', e.name, '--out', out]);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(readFileSync(path.join(out, 'manifest.json')), readFileSync(path.join(zooRoot(), e.dir, 'manifest.json')));
    const png = path.join(root, `${e.name}.png`);
    const res = await runCli(['sample', '--checkpoint', `zoo:${e.name}`, '--out', png, '--n', '16', '--backend', 'wasm']);
    assert.equal(res.code, 0, res.stderr);
    const img = PNG.sync.read(readFileSync(png));
    assert.equal(img.width, 4 * (56 + 2) + 2);
    // Not a blank grid: the tiles hold strokes (many distinct grey levels).
    const levels = new Set<number>();
    for (let i = 0; i < img.data.length; i += 4) levels.add(img.data[i]);
    assert.ok(levels.size > 50, `${levels.size} grey levels`);
  });
}

test('an altered zoo file fails verification, naming it', async () => {
  const copy = path.join(root, 'zoo-copy');
  cpSync(zooRoot(), copy, { recursive: true });
  const e = entries[0];
  const file = path.join(copy, e.dir, 'config.json');
  writeFileSync(file, readFileSync(file, 'utf8').replace('"seed": 0', '"seed": 1'));
  await assert.rejects(verifyZooEntry(e, copy), /config\.json: sha256 .* does not match zoo\.json/);
  const res = await runCli(['sample', '--checkpoint', 'zoo:no-such-model', '--out', path.join(root, 'x.png')]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /zoo:no-such-model: no such zoo model/);
});
