// With train.ema on, evaluation during training measures G's EMA (G_ema), not the raw G: the FID line in
// metrics.jsonl is recomputed exactly from the checkpoint's G_ema and differs from the raw G's; `ganymede eval`
// likewise uses G_ema unless --no-ema.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { initBackend } from '../../src/backend/index.js';
import { loadCheckpoint } from '../../src/checkpoint/index.js';
import { resolveConfig } from '../../src/config/index.js';
import { loadDataset, type DatasetSource } from '../../src/data/index.js';
import { classifierFor, evalKey, evalOptionsOf } from '../../src/metrics/during-training.js';
import { evaluateModel } from '../../src/metrics/evaluate.js';
import { runCli, tempDir } from './cli.js';

const root = tempDir('eval-ema');
after(() => rmSync(root, { recursive: true, force: true }));

test('evaluation during training and `ganymede eval` use the EMA generator when train.ema is on', { timeout: 600_000 }, async () => {
  const run = path.join(root, 'run');
  const res = await runCli(['train', '--out', run, '--set', 'train.steps=2', '--set', 'train.batchSize=32', '--set', 'seed=5',
    '--set', 'train.checkpointEvery=2', '--set', 'train.sampleEvery=100', '--set', 'train.ema.decay=0.5',
    '--set', 'eval.every=2', '--set', 'eval.n=150', '--workers', '1', '--backend', 'wasm'], { timeoutMs: 300_000 });
  assert.equal(res.code, 0, res.stderr.slice(-2000));
  const lines = readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const logged = lines.find((l) => l.metric === 'fid' && l.step === 2)!;
  assert.ok(logged, 'an FID line at step 2');
  assert.equal(logged.generator, 'G_ema');

  await initBackend('wasm');
  const ckpt = await loadCheckpoint(path.join(run, 'checkpoints', 'step-000002'));
  const config = resolveConfig(ckpt.config as Record<string, unknown>, 'config.json');
  const clf = await classifierFor(config.data.source);
  const ref = await loadDataset({ source: config.data.source as DatasetSource, split: config.eval.ref });
  const fid = (G: string) => evaluateModel({
    config, nets: { ...ckpt.networks, G: ckpt.networks[G] }, ref, classifier: clf, options: evalOptionsOf(config), key: evalKey(2),
  }).find((r) => r.metric === 'fid')!.value;
  const [ema, raw] = [fid('G_ema'), fid('G')];
  assert.equal(logged.value, ema, 'the logged FID is that of G_ema');
  assert.notEqual(ema, raw, "G_ema's FID differs from G's (decay 0.5 over 2 steps)");
  clf.model.dispose();
  for (const net of Object.values(ckpt.networks)) net.dispose();

  const generator = async (extra: string[]) => {
    const r = await runCli(['eval', run, '--n', '150', '--json', '--backend', 'wasm', '--out', path.join(root, `${extra.length}.json`), ...extra], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { generator?: string }).generator;
  };
  assert.equal(await generator([]), 'G_ema');
  assert.equal(await generator(['--no-ema']), 'G');
});
