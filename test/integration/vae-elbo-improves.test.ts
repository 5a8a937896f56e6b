// The seed VAE trains on the same coordinator/worker path; its held-out ELBO is reported at the end of each
// epoch and improves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, tempDir } from './cli.js';

const root = tempDir('vae');
const recipe = fileURLToPath(new URL('../../../configs/seed-vae.yaml', import.meta.url));

test('seed VAE: test-set ELBO per sample printed each epoch, and it improves', { timeout: 600_000 }, async () => {
  const out = path.join(root, 'vae');
  // Batch 256 in 4 micro-shards: an epoch of the 9,000 training digits is 36 steps.
  const res = await runCli(['train', '--config', recipe, '--out', out, '--workers', '2', '--backend', 'wasm',
    '--set', 'train.batchSize=256', '--set', 'train.microShards=4', '--set', 'train.steps=108', '--set', 'train.sampleEvery=36']);
  assert.equal(res.code, 0, res.stderr.slice(-3000));
  const printed = [...`${res.stdout}\n${res.stderr}`.matchAll(/epoch (\d+): test ELBO (-?[\d.]+) nats per sample/g)];
  assert.deepEqual(printed.map((m) => Number(m[1])), [1, 2, 3]);
  const elbo = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    .filter((l) => 'elbo/test' in l).map((l) => l['elbo/test'] as number);
  assert.equal(elbo.length, 3);
  assert.ok(elbo[0] < elbo[1] && elbo[1] < elbo[2], `ELBO per epoch: ${elbo.join(', ')}`);
  // An untrained VAE scores about -545 nats (784 pixels of BCE at p = 0.5); a trained one far better.
  assert.ok(elbo[2] > -200, `final ELBO ${elbo[2]}`);
  assert.match(res.stdout, /test ELBO: -?[\d.]+ nats per sample/);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
