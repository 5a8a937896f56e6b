// A checkpoint written before the config schema grew (its config.json lacks sections added since) resumes: the
// new keys take their defaults, which reproduce the old behaviour, and the resumed run ends byte-identical to an
// uninterrupted one. A real difference in a result-deciding key is still refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { manifestHashes, runCli, tempDir } from '../integration/cli.js';

const root = tempDir('resume-older');
test.after(() => rmSync(root, { recursive: true, force: true }));
const tiny = ['--set', 'model.gHidden=[16]', '--set', 'model.dHidden=[16]', '--set', 'train.checkpointEvery=2', '--workers', '1', '--backend', 'wasm'];

/** Rewrites a checkpoint's config.json as an older version wrote it, and its manifest entry to match. */
function ageCheckpoint(dir: string, edit: (config: Record<string, unknown>) => void): void {
  const file = path.join(dir, 'config.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(config);
  const bytes = Buffer.from(JSON.stringify(config, null, 2) + '\n');
  writeFileSync(file, bytes);
  const manifestFile = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { files: { path: string; sha256: string; size: number }[] };
  const entry = manifest.files.find((f) => f.path === 'config.json');
  assert.ok(entry, 'the manifest lists config.json');
  entry.sha256 = createHash('sha256').update(bytes).digest('hex');
  entry.size = bytes.length;
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
}

test('a checkpoint from before the schema grew resumes to the same bytes as an uninterrupted run', { timeout: 180_000 }, async () => {
  const whole = path.join(root, 'whole');
  assert.equal((await runCli(['train', '--out', whole, '--set', 'train.steps=4', ...tiny])).code, 0);
  const cut = path.join(root, 'cut');
  assert.equal((await runCli(['train', '--out', cut, '--set', 'train.steps=2', ...tiny])).code, 0);
  ageCheckpoint(path.join(cut, 'checkpoints', 'step-000002'), (config) => {
    assert.ok('gan' in config && 'eval' in config, 'the sections this test removes exist today');
    delete config.gan;
    delete config.eval;
  });
  const res = await runCli(['train', '--resume', cut, '--set', 'train.steps=4']);
  assert.equal(res.code, 0, res.stderr);
  const [a, b] = [manifestHashes(path.join(whole, 'checkpoints', 'step-000004')), manifestHashes(path.join(cut, 'checkpoints', 'step-000004'))];
  for (const f of ['G/weights.bin', 'D/weights.bin', 'adam-D.bin', 'adam-G.bin']) assert.equal(b[f], a[f], f);
});

test('an older checkpoint whose result-deciding key differs is still refused, naming the key', { timeout: 120_000 }, async () => {
  const cut = path.join(root, 'other');
  assert.equal((await runCli(['train', '--out', cut, '--set', 'train.steps=2', ...tiny])).code, 0);
  ageCheckpoint(path.join(cut, 'checkpoints', 'step-000002'), (config) => {
    delete config.gan;
    (config.train as Record<string, unknown>).batchSize = 32;
  });
  const res = await runCli(['train', '--resume', cut, '--set', 'train.steps=4']);
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /config differs at train\.batchSize: checkpoint 32, now 64/);
});
