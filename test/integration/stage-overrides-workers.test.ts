// Multi-stage training in general, end to end: real coordinator and worker processes over ZeroMQ on real digits,
// the seed MLP GAN (a family that does not grow) with three stages that override training fields:
//   stage 0 (steps 0-1, B 8):  a critic warm-up, D alone (trainNetworks: [D]);
//   stage 1 (steps 2-7, B 4):  WGAN-GP with n_critic 2 and D's first block frozen;
//   stage 2 (steps 8-9, B 8):  the run's own fields again (bce-ns, n_critic 1, nothing frozen).
// 1 and 2 workers are byte-identical across the transitions, G is bit-for-bit its initial self through the D-only
// stage, the frozen block through stage 1, and a run stopped inside stage 1 and resumed (checkpoint records the
// stage) ends byte-identical to the uninterrupted one through the stage 1 -> 2 transition, as does one stopped at the
// end of stage 0 through the 0 -> 1 transition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../../src/backend/index.js';
import { loadCheckpoint } from '../../src/checkpoint/index.js';
import { loadConfig } from '../../src/config/index.js';
import { readWeights, type NamedWeights } from '../../src/models/index.js';
import { MasterState } from '../../coordinator/master.js';
import { manifestHashes, runCli, tempDir } from './cli.js';

await initBackend('wasm');
const root = tempDir('stages');
const SETS = ['model.latentDim=8', 'model.gHidden=[32, 16]', 'model.dHidden=[32, 16, 8]', 'train.batchSize=8', 'train.microShards=4',
  'seed=7', 'train.steps=10', 'train.sampleEvery=10', 'train.checkpointEvery=2', 'train.keepCheckpoints=10',
  'stages=[{stableImages: 16, trainNetworks: [D]}, {stableImages: 24, batchSize: 4, loss: wasserstein, gan: {gp: 10}, nCritic: 2, freeze: {D: {firstBlocks: 1}}}, {}]'];
const FILES = ['G/weights.bin', 'D/weights.bin', 'adam-D.bin', 'adam-G.bin'];
const dir = (run: string, step: number) => path.join(run, 'checkpoints', `step-${String(step).padStart(6, '0')}`);
const hashes = (run: string, step: number) => manifestHashes(dir(run, step));

async function train(name: string, workers: number, extra: string[] = []): Promise<string> {
  const out = path.join(root, name);
  const res = await runCli(['train', '--out', out, '--backend', 'wasm', '--workers', String(workers), ...[...SETS, ...extra].flatMap((s) => ['--set', s])]);
  assert.equal(res.code, 0, `train ${name} failed:\n${res.stderr.slice(-3000)}`);
  return out;
}

/** A checkpoint's weights of one network, with its meta. */
async function weightsAt(run: string, step: number, net: string): Promise<{ w: NamedWeights; meta: Record<string, unknown> }> {
  const ckpt = await loadCheckpoint(dir(run, step));
  const w = readWeights(ckpt.networks[net]);
  Object.values(ckpt.networks).forEach((m) => m.dispose());
  return { w, meta: ckpt.meta };
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
function same(a: NamedWeights, b: NamedWeights, names: (n: string) => boolean): boolean {
  return a.names.filter(names).every((n) => bytes(a.values[a.names.indexOf(n)]).equals(bytes(b.values[b.names.indexOf(n)])));
}

let one = '';

test('stages overriding loss, n_critic, frozen layers and trained networks: 1 = 2 workers, G untouched while D warms up, resume inside a stage', { timeout: 300_000 }, async () => {
  one = await train('w1', 1);
  const metrics = readFileSync(path.join(one, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  assert.deepEqual(metrics.map((m) => [m['stage/index'], m['stage/batchSize']]), [[0, 8], [0, 8], ...Array(6).fill([1, 4]), [2, 8], [2, 8]]);
  // The stage's loss and penalty are what the workers computed: WGAN scores and gp/D in stage 1 only, no G round in stage 0.
  assert.deepEqual(metrics.map((m) => ['gp/D' in m, 'D(x)/score' in m, 'loss/G' in m]),
    [[false, false, false], [false, false, false], ...Array(6).fill([true, true, true]), [false, false, true], [false, false, true]]);
  assert.ok(metrics.every((m) => Object.values(m).every(Number.isFinite)));

  // G through the D-only warm-up: bit for bit its seeded initial weights, and no Adam step; D trained.
  const config = loadConfig(undefined, SETS);
  const initial = MasterState.fresh(config, { height: 28, width: 28, channels: 1 });
  const g2 = await weightsAt(one, 2, 'G');
  assert.ok(same(g2.w, initial.weights.G, () => true), 'G changed during the D-only stage');
  assert.deepEqual((g2.meta as { adamSteps: Record<string, number> }).adamSteps, { D: 2, G: 0 });
  const d2 = await weightsAt(one, 2, 'D');
  assert.ok(!same(d2.w, initial.weights.D, (n) => n.startsWith('D_out')), 'D did not train in its warm-up');
  assert.ok(!same((await weightsAt(one, 4, 'G')).w, initial.weights.G, (n) => n.startsWith('G_out')), 'G did not train in stage 1');
  initial.dispose();
  // D's first block frozen through stage 1 (steps 2-7), training again in stage 2; the checkpoints name their stage.
  const d8 = await weightsAt(one, 8, 'D');
  const d10 = await weightsAt(one, 10, 'D');
  assert.ok(same(d2.w, d8.w, (n) => n.startsWith('D_fc0/')), 'D_fc0 changed while frozen');
  assert.ok(!same(d2.w, d8.w, (n) => n.startsWith('D_fc1/')), 'D_fc1 did not train');
  assert.ok(!same(d8.w, d10.w, (n) => n.startsWith('D_fc0/')), 'D_fc0 did not train once unfrozen');
  assert.deepEqual([d2.meta.stage, d8.meta.stage, d10.meta.stage], [0, 1, 2]); // the stage the state was saved in

  // 2 workers, stopped after step 5 (inside stage 1): the same bytes at steps 2 and 4; the step-4 checkpoint is in stage 1.
  const part = await train('w2-part', 2, ['train.steps=5']);
  for (const step of [2, 4]) for (const f of FILES) assert.equal(hashes(part, step)[f], hashes(one, step)[f], `2 workers, step ${step}: ${f}`);
  assert.equal((await weightsAt(part, 4, 'D')).meta.stage, 1);
  // Resumed from step 5 (inside stage 1, D_fc0 frozen) with 2 workers, through the 1 -> 2 transition: same bytes.
  const resumed = await runCli(['train', '--resume', part, '--set', 'train.steps=10', '--workers', '2']);
  assert.equal(resumed.code, 0, resumed.stderr.slice(-3000));
  for (const step of [6, 8, 10]) for (const f of FILES) assert.equal(hashes(part, step)[f], hashes(one, step)[f], `resumed, step ${step}: ${f}`);
});

test('a run stopped at the end of the D-only stage resumes through the stage change exactly', { timeout: 300_000 }, async () => {
  // The state saved in stage 0 (D alone); entering stage 1 on resume freezes D_fc0 (its Adam moments dropped) and
  // starts G's Adam, as the straight run did.
  assert.ok(one, 'needs the straight run of the test before');
  const warm = await train('w1-warmup', 1, ['train.steps=2']);
  assert.equal((await weightsAt(warm, 2, 'G')).meta.stage, 0);
  const again = await runCli(['train', '--resume', warm, '--set', 'train.steps=10', '--workers', '2']);
  assert.equal(again.code, 0, again.stderr.slice(-3000));
  for (const step of [4, 10]) for (const f of FILES) assert.equal(hashes(warm, step)[f], hashes(one, step)[f], `resumed from step 2, step ${step}: ${f}`);
});

test('a bad stage key fails before any folder exists, naming the stage and the key', { timeout: 120_000 }, async () => {
  const out = path.join(root, 'bad');
  const bad = async (stages: string, re: RegExp) => {
    const res = await runCli(['train', '--out', out, '--backend', 'wasm', '--set', 'model.dHidden=[32, 16]', '--set', `stages=${stages}`]);
    assert.equal(res.code, 1);
    const lines = res.stderr.split('\n').filter((l) => l.startsWith('ganymede:'));
    assert.equal(lines.length, 1, res.stderr);
    assert.match(lines[0], re);
    assert.ok(!/\n\s+at /.test(res.stderr), 'no stack trace without --verbose');
    assert.throws(() => readFileSync(path.join(out, 'config.yaml')), 'no run folder');
  };
  await bad('[{stableImages: 8}, {nCritics: 2}]', /unknown key stages\.1\.nCritics/);
  await bad('[{stableImages: 8}, {freeze: {D: [D_fc0, D_conv9]}}]', /stages\[1\]: freeze\.D\[1\]: D has no layer 'D_conv9'/);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
