// Every recipe of issue 4 runs end to end at toy size, and 1 and 3 workers end with byte-identical weights,
// optimizer states and EMA (DESIGN.md §3): the coordinator and real workers over ZeroMQ inproc://, real digits.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { manifestHashes, tempDir } from './cli.js';
import { trainInProcess } from './in-process.js';

const RECIPES = ['lsgan', 'hinge', 'wgan-clip', 'wgan-gp', 'r1', 'label-smoothing', 'feature-matching', 'ema', 'diffaugment', 'ttur'];
const TOY = [
  'backend=wasm', 'train.steps=3', 'train.batchSize=8', 'train.microShards=4', 'train.checkpointEvery=3', 'train.sampleEvery=3',
  'model.latentDim=8', 'model.gHidden=[32]', 'model.dHidden=[32, 16]',
];
const root = tempDir('recipes');
const configFile = (name: string) => path.join(import.meta.dirname, '..', '..', '..', 'configs', `${name}.yaml`);

for (const name of RECIPES) {
  test(`${name}: runs end to end, and 1 and 3 workers end byte-identical`, { timeout: 300_000 }, async () => {
    const extra = name === 'ema' ? ['train.ema.start=1'] : []; // the EMA itself moves within 3 steps
    const config = loadConfig(configFile(name), [...TOY, ...extra]);
    const hashes: Record<string, string>[] = [];
    for (const workers of [1, 3]) {
      const dir = path.join(root, `${name}-${workers}`);
      const result = await trainInProcess(config, workers, dir);
      assert.equal(result.steps, 3);
      hashes.push(manifestHashes(result.checkpoint));
      const lines = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(lines.every((l) => Number.isFinite(l['loss/D']) && Number.isFinite(l['loss/G'])), 'finite losses');
    }
    const weights = Object.keys(hashes[0]).filter((f) => f.endsWith('.bin'));
    assert.ok(weights.includes('G/weights.bin') && weights.includes('D/weights.bin') && weights.includes('adam-D.bin'));
    if (name === 'ema') assert.ok(weights.includes('G_ema/weights.bin'));
    for (const f of weights) assert.equal(hashes[1][f], hashes[0][f], `${f} differs between 1 and 3 workers`);
  });
}

test.after(() => rmSync(root, { recursive: true, force: true }));
