// `ganymede sample` reads a run's checkpoint back: with the training grids' z it redraws the run's last grid
// byte for byte; another seed draws other samples; it never overwrites a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { runCli, tempDir } from '../integration/cli.js';

const root = tempDir('sample');
test.after(() => rmSync(root, { recursive: true, force: true }));

test('sample redraws the last training grid exactly, and draws new ones on request', { timeout: 120_000 }, async () => {
  const run = path.join(root, 'run');
  const trained = await runCli(['train', '--out', run, '--workers', '1', '--backend', 'wasm', '--set', 'train.steps=3',
    '--set', 'model.gHidden=[32]', '--set', 'model.dHidden=[32]']);
  assert.equal(trained.code, 0, trained.stderr);

  const same = path.join(root, 'same.png');
  const res = await runCli(['sample', run, '--out', same, '--backend', 'wasm']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(readFileSync(same), readFileSync(path.join(run, 'samples', 'step-000003.png')));

  const other = path.join(root, 'other.png');
  assert.equal((await runCli(['sample', path.join(run, 'checkpoints', 'step-000003'), '--seed', '7', '--n', '16', '--out', other, '--backend', 'wasm'])).code, 0);
  const png = PNG.sync.read(readFileSync(other));
  assert.equal(png.width, 4 * (56 + 2) + 2); // 4 x 4 tiles of 28 px at scale 2, 2 px gaps
  assert.notDeepEqual(readFileSync(other), readFileSync(same));

  const again = await runCli(['sample', run, '--out', same]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists; nothing was written/);
  const missing = await runCli(['sample', path.join(root, 'nope')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such run or checkpoint folder/);
});
