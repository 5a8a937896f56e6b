// `ganymede sample --truncation psi` on a trained StyleGAN-lite run truncates in w around the EMA of w saved in
// the checkpoint: psi = 0 draws one image for every z, psi = 1 the untruncated grid; psi < 0 is a usage error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from '../integration/cli.js';

const root = tempDir('sample-stylegan');
test.after(() => rmSync(root, { recursive: true, force: true }));

/** The n tiles of an .idx sample file (16-byte header, then n x 784 bytes), as hex strings. */
function tiles(file: string, n: number): string[] {
  const bytes = readFileSync(file);
  assert.equal(bytes.length, 16 + n * 784);
  return Array.from({ length: n }, (_, i) => bytes.subarray(16 + i * 784, 16 + (i + 1) * 784).toString('hex'));
}

test('stylegan: sample --truncation 0 / 0.7 / 1 from the checkpoint\'s mean w', { timeout: 180_000 }, async () => {
  const run = path.join(root, 'run');
  const trained = await runCli(['train', '--config', 'configs/stylegan-lite.yaml', '--out', run, '--workers', '1', '--backend', 'wasm',
    '--set', 'train.steps=2', '--set', 'train.batchSize=8', '--set', 'model.gChannels=8', '--set', 'model.dChannels=8']);
  assert.equal(trained.code, 0, trained.stderr.slice(-3000));
  const sample = async (psi: string | undefined, name: string) => {
    const out = path.join(root, `${name}.idx`);
    const res = await runCli(['sample', run, '--n', '6', '--out', out, '--backend', 'wasm', ...(psi === undefined ? [] : ['--truncation', psi])]);
    assert.equal(res.code, 0, res.stderr);
    return tiles(out, 6);
  };
  const plain = await sample(undefined, 'plain');
  assert.equal(new Set(plain).size, 6);
  assert.deepEqual(await sample('1', 'one'), plain);
  const zero = await sample('0', 'zero');
  assert.equal(new Set(zero).size, 1, 'psi = 0: one image for every z');
  const mid = await sample('0.7', 'mid');
  assert.ok(mid.every((t, i) => t !== plain[i] && t !== zero[0]));
  const bad = await runCli(['sample', run, '--truncation', '-1', '--out', path.join(root, 'bad.idx')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^ganymede: --truncation -1: must be above 0/m);
});
