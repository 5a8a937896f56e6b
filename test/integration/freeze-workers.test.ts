// Config `freeze` end to end (issue 11): real coordinator and worker processes over ZeroMQ on real digits. The
// frozen weights end byte-identical to the seeded initialisation, the rest trains, 1 and 2 workers end
// byte-identical, the optimizer state holds the trained weights only, and a resumed run equals the straight one.
// (The coordinator refuses GRADS whose tensors differ from its wireSizes, so a finished run also shows that the
// workers sent no gradient for a frozen weight; test/train/freeze.test.ts checks the bytes and names.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../../src/backend/index.js';
import { loadCheckpoint } from '../../src/checkpoint/index.js';
import { loadConfig } from '../../src/config/index.js';
import { readWeights } from '../../src/models/index.js';
import { MasterState } from '../../coordinator/master.js';
import { manifestHashes, runCli, tempDir } from './cli.js';

await initBackend('wasm');
const root = tempDir('freeze');
const SETS = ['model.latentDim=8', 'model.gHidden=[32, 16]', 'model.dHidden=[32, 16, 8]', 'train.batchSize=16', 'train.microShards=4',
  'seed=5', 'train.steps=6', 'train.sampleEvery=6', 'train.checkpointEvery=3', 'freeze.D.firstBlocks=2', 'freeze.G=[G_fc0]'];
const FROZEN = ['D_fc0/kernel', 'D_fc0/bias', 'D_fc1/kernel', 'D_fc1/bias', 'G_fc0/kernel', 'G_fc0/bias'];
const checkpoint = (run: string, step: number) => path.join(run, 'checkpoints', `step-${String(step).padStart(6, '0')}`);

async function train(name: string, extra: string[]): Promise<string> {
  const out = path.join(root, name);
  const res = await runCli(['train', '--out', out, '--backend', 'wasm', ...SETS.flatMap((s) => ['--set', s]), ...extra]);
  assert.equal(res.code, 0, `train ${name} failed:\n${res.stderr.slice(-3000)}`);
  return out;
}

test('frozen layers stay byte-identical, the rest trains; 1 and 2 workers and a resumed run end byte-identical', { timeout: 300_000 }, async () => {
  const one = await train('w1', ['--workers', '1']);
  const two = await train('w2', ['--workers', '2']);
  const FILES = ['G/weights.bin', 'D/weights.bin', 'adam-D.bin', 'adam-G.bin', 'meta.json'] as const; // config.json names the worker count
  const hashes = (run: string) => {
    const h = manifestHashes(checkpoint(run, 6));
    return Object.fromEntries(FILES.map((f) => [f, h[f]]));
  };
  const ref = hashes(one);
  for (const f of FILES) assert.match(ref[f], /^[0-9a-f]{64}$/, f);
  assert.deepEqual(hashes(two), ref);

  const config = loadConfig(undefined, SETS);
  const initial = MasterState.fresh(config, { height: 28, width: 28, channels: 1 });
  const loaded = await loadCheckpoint(checkpoint(one, 6));
  for (const net of ['G', 'D']) {
    const w = readWeights(loaded.networks[net]);
    w.names.forEach((n, i) => {
      const same = Buffer.from(w.values[i].buffer, w.values[i].byteOffset, w.values[i].byteLength)
        .equals(Buffer.from(initial.weights[net].values[i].buffer));
      assert.equal(same, FROZEN.includes(n), `${n} ${FROZEN.includes(n) ? 'is frozen and changed' : 'trains and did not change'}`);
    });
  }
  // Adam state for the trained weights only: D_fc2 and D_out of D, G_fc1 and G_out of G (m and v each).
  const names = (phase: string) => loaded.state[`adam-${phase}`].map((a) => a.name.replace(/\/(kernel|bias)\/[mv]$/, '')).filter((n, i, a) => a.indexOf(n) === i);
  assert.deepEqual(names('D'), ['D_fc2', 'D_out']);
  assert.deepEqual(names('G'), ['G_fc1', 'G_out']);
  Object.values(loaded.networks).forEach((m) => m.dispose());
  initial.dispose();

  // Resume with freezing: stopped at step 3 and resumed to 6 with 2 workers, byte-identical to the straight run.
  const part = await train('part', ['--workers', '1', '--set', 'train.steps=3']);
  const resumed = await runCli(['train', '--resume', part, '--set', 'train.steps=6', '--workers', '2']);
  assert.equal(resumed.code, 0, resumed.stderr.slice(-3000));
  assert.deepEqual(hashes(part), ref);
});

test('an unknown layer in freeze fails before any folder exists, naming the key', { timeout: 120_000 }, async () => {
  const out = path.join(root, 'bad');
  const res = await runCli(['train', '--out', out, '--backend', 'wasm', '--set', 'model.dHidden=[32, 16]', '--set', 'freeze.D=[D_fc0, D_conv9]']);
  assert.equal(res.code, 1);
  const lines = res.stderr.split('\n').filter((l) => l.startsWith('ganymede:'));
  assert.equal(lines.length, 1, res.stderr);
  assert.match(lines[0], /freeze\.D\[1\]: D has no layer 'D_conv9' \(its blocks: D_fc0 \| D_fc1 \| D_out\)/);
  assert.ok(!/\n\s+at /.test(res.stderr), 'no stack trace without --verbose');
  assert.ok(!existsSync(out), 'no run folder');
});

test.after(() => rmSync(root, { recursive: true, force: true }));
