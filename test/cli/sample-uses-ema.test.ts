// With train.ema on, the training grids and `ganymede sample` both draw from G's EMA (G_ema in the checkpoint):
// the command redraws the run's last grid byte for byte, which it could not from G.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { loadCheckpoint } from '../../src/checkpoint/index.js';
import { resolveConfig } from '../../src/config/index.js';
import { sampleImages } from '../../src/train/sample.js';
import { runCli, tempDir } from '../integration/cli.js';

const root = tempDir('sample-ema');
test.after(() => rmSync(root, { recursive: true, force: true }));

test('sample draws from G_ema, as the training grid did', { timeout: 120_000 }, async () => {
  const run = path.join(root, 'run');
  const trained = await runCli(['train', '--config', path.join(import.meta.dirname, '..', '..', '..', 'configs', 'ema.yaml'), '--out', run,
    '--workers', '1', '--backend', 'wasm', '--set', 'train.steps=3', '--set', 'train.ema.start=1', '--set', 'train.ema.decay=0.5',
    '--set', 'model.gHidden=[32]', '--set', 'model.dHidden=[32]']);
  assert.equal(trained.code, 0, trained.stderr);
  const ckpt = path.join(run, 'checkpoints', 'step-000003');
  const manifest = readFileSync(path.join(ckpt, 'manifest.json'), 'utf8');
  assert.match(manifest, /G_ema\/weights\.bin/);
  const out = path.join(root, 'same.png');
  const res = await runCli(['sample', run, '--out', out, '--backend', 'wasm']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(readFileSync(out), readFileSync(path.join(run, 'samples', 'step-000003.png')));
  // And G itself would have drawn another grid: the EMA lags G.
  await initBackend('wasm');
  const loaded = await loadCheckpoint(ckpt);
  const config = resolveConfig(loaded.config as Record<string, unknown>, ckpt);
  const fromG = sampleImages(config, loaded.networks, 64);
  const fromEma = sampleImages(config, { ...loaded.networks, G: loaded.networks.G_ema }, 64);
  assert.notDeepEqual(fromG, fromEma);
  Object.values(loaded.networks).forEach((n) => n.dispose());
});
