// Every recipe of issue 4 runs end to end at toy size, and 1 and 3 workers end with byte-identical weights,
// optimizer states and EMA (DESIGN.md §3): the coordinator and real workers over ZeroMQ inproc://, real digits.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { manifestHashes, runCli, tempDir } from './cli.js';
import { trainInProcess } from './in-process.js';

const RECIPES = ['lsgan', 'hinge', 'wgan-clip', 'wgan-gp', 'r1', 'label-smoothing', 'feature-matching', 'ema', 'diffaugment', 'ttur', 'seed-gan'];
// Techniques without a recipe of their own, over seed-gan: weight regularization, norm clipping, noisy labels, n_gen.
const EXTRA: Record<string, string[]> = {
  'seed-gan': [
    'optimizer={D: {l1: 0.0001, l2: 0.001, clipNorm: 0.5}, G: {l2: 0.001, clipNorm: 0.5, decay: {type: step, gamma: 0.5, every: 1}}}',
    'gan.labelFlip=0.2', 'train.nGen=2',
  ],
  ema: ['train.ema.start=1'], // the EMA itself moves within 3 steps
};
const TOY = [
  'backend=wasm', 'train.steps=3', 'train.batchSize=8', 'train.microShards=4', 'train.checkpointEvery=3', 'train.sampleEvery=3',
  'model.latentDim=8', 'model.gHidden=[32]', 'model.dHidden=[32, 16]',
];
const root = tempDir('recipes');
const configFile = (name: string) => path.join(import.meta.dirname, '..', '..', '..', 'configs', `${name}.yaml`);

for (const name of RECIPES) {
  test(`${name}: runs end to end, and 1 and 3 workers end byte-identical`, { timeout: 300_000 }, async () => {
    const config = loadConfig(configFile(name), [...TOY, ...(EXTRA[name] ?? [])]);
    const hashes: Record<string, string>[] = [];
    for (const workers of [1, 3]) {
      const dir = path.join(root, `${name}-${workers}`);
      const result = await trainInProcess(config, workers, dir);
      assert.equal(result.steps, 3);
      hashes.push(manifestHashes(result.checkpoint));
      const lines = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(lines.every((l) => Number.isFinite(l['loss/D']) && Number.isFinite(l['loss/G'])), 'finite losses');
      if (name === 'seed-gan') assert.ok(lines.every((l) => l['gradnorm/D'] > 0 && l['gradnorm/G'] > 0), 'gradient norms logged');
    }
    const weights = Object.keys(hashes[0]).filter((f) => f.endsWith('.bin'));
    assert.ok(weights.includes('G/weights.bin') && weights.includes('D/weights.bin') && weights.includes('adam-D.bin'));
    if (name === 'ema') assert.ok(weights.includes('G_ema/weights.bin'));
    for (const f of weights) assert.equal(hashes[1][f], hashes[0][f], `${f} differs between 1 and 3 workers`);
  });
}

// The same promise with worker processes over ipc://, for the recipe with the most machinery (nested gradients).
test('wgan-gp with 1 and 3 worker processes: byte-identical', { timeout: 300_000 }, async () => {
  const hashes: Record<string, string>[] = [];
  for (const workers of ['1', '3']) {
    const out = path.join(root, `cli-wgan-gp-${workers}`);
    const sets = TOY.flatMap((s) => ['--set', s]);
    const res = await runCli(['train', '--config', configFile('wgan-gp'), '--out', out, '--workers', workers, ...sets]);
    assert.equal(res.code, 0, res.stderr.slice(-2000));
    hashes.push(manifestHashes(path.join(out, 'checkpoints', 'step-000003')));
  }
  for (const f of ['G/weights.bin', 'D/weights.bin', 'adam-D.bin', 'adam-G.bin']) assert.equal(hashes[1][f], hashes[0][f], f);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
