// cluster.reduce: allreduce (the workers reduce each round by recursive halving, README "Worker-side reduction"):
// 1 (star), 2 and 4 workers end byte-identical to the star run, the coordinator receives and sends 1/N of star's
// bytes (gradients reduced and weights gathered by the workers), and a worker killed or hung mid-run makes rounds fall back to star without changing a bit.
// Real processes, real ZeroMQ sockets (worker to worker too), real MNIST digits.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { runCli, tempDir } from './cli.js';
import { isAlive, localWorkerPid, progress, until, weightHashes } from './chaos.js';

const root = tempDir('allreduce');
after(() => rmSync(root, { recursive: true, force: true }));
const STEPS = 6;
const small = ['--backend', 'wasm', '--set', `train.steps=${STEPS}`, '--set', 'train.microShards=8', '--set', 'seed=5',
  '--set', 'model.gHidden=[32]', '--set', 'model.dHidden=[32]', '--set', `train.sampleEvery=${STEPS}`, '--set', `train.checkpointEvery=${STEPS}`];

async function train(name: string, workers: number, reduce: string, sets = small): Promise<{ run: string; stderr: string }> {
  const run = path.join(root, name);
  const res = await runCli(['train', '--out', run, '--workers', String(workers), '--set', `cluster.reduce=${reduce}`, ...sets]);
  assert.equal(res.code, 0, `${name}:\n${res.stderr.slice(-3000)}`);
  return { run, stderr: res.stderr };
}

/** Mean bytes the coordinator received (`in`) or sent (`out`) per step, after the first step (which also carries joins). */
function bytes(run: string, way: 'in' | 'out'): number {
  const lines = readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>).slice(1);
  return lines.reduce((a, l) => a + l[`comm/${way}_bytes`], 0) / lines.length;
}

test('allreduce with 2 and 4 workers is byte-identical to star; the coordinator takes in one gradient whatever the count', { timeout: 300_000 }, async () => {
  const star1 = await train('star1', 1, 'star');
  const ar2 = await train('ar2', 2, 'allreduce');
  const ar4 = await train('ar4', 4, 'allreduce');
  const reference = weightHashes(star1.run, STEPS);
  assert.match(reference.G, /^[0-9a-f]{64}$/);
  for (const r of [ar2, ar4]) assert.deepEqual(weightHashes(r.run, STEPS), reference, r.run);
  assert.doesNotMatch(ar4.stderr, /given up|the coordinator reduces \(star\)/);
  // Star with N workers receives N gradients a round (one per block) and sends N copies of the new weights;
  // allreduce receives N chunks of 1/N and sends N parts of 1/N: one gradient and one copy, as star with 1 worker.
  for (const r of [ar2, ar4]) {
    for (const way of ['in', 'out'] as const) {
      const ratio = bytes(r.run, way) / bytes(star1.run, way);
      assert.ok(Math.abs(ratio - 1) < 0.1, `${r.run}: the coordinator's ${way} bytes are ${ratio.toFixed(2)} x star's with 1 worker`);
    }
  }
  // 3 workers is not a power of two: star, said once.
  const ar3 = await train('ar3', 3, 'allreduce');
  assert.deepEqual(weightHashes(ar3.run, STEPS), reference);
  assert.match(ar3.stderr, /needs powers of two/);
});

test('allreduce: a worker SIGKILLed and one SIGSTOPped mid-run: rounds fall back to star, the result stays byte-identical', { timeout: 600_000 }, async () => {
  // The seed GAN at full size, so that a step lasts long enough to be hit mid-exchange.
  const steps = 14;
  const sets = ['--backend', 'wasm', '--set', `train.steps=${steps}`, '--set', 'train.microShards=8', '--set', 'seed=9',
    '--set', `train.sampleEvery=${steps}`, '--set', `train.checkpointEvery=${steps}`, '--set', 'cluster.maxRestarts=5'];
  const expected = weightHashes((await train('full-star', 2, 'star', sets)).run, steps);
  const run = path.join(root, 'full-ar');
  const result = runCli(['train', '--out', run, '--workers', '4', '--set', 'cluster.reduce=allreduce', ...sets], { timeoutMs: 590_000 });
  await until('step 3', () => progress(run) >= 3);
  const killed = localWorkerPid(run, 1) as number;
  process.kill(killed, 'SIGKILL');
  await until('rank 1 restarted', () => localWorkerPid(run, 1) !== killed, 120_000);
  await until('step 9', () => progress(run) >= 9);
  const stopped = localWorkerPid(run, 2) as number;
  process.kill(stopped, 'SIGSTOP');
  const res = await result;
  if (isAlive(stopped)) process.kill(stopped, 'SIGKILL');
  assert.equal(res.code, 0, res.stderr.slice(-3000));
  assert.deepEqual(weightHashes(run, steps), expected);
  assert.match(res.stderr, /lost/);
  assert.match(res.stderr, /worker-side reduction of round \d+ given up/);
  if (process.env.GANYMEDE_TEST_KEEP) writeFileSync(path.join(process.env.GANYMEDE_TEST_KEEP, 'allreduce-chaos.log'), res.stderr);
});
