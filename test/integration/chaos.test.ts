// Chaos: workers killed (SIGKILL) at random steps, one hung (SIGSTOP), one joining mid-run, one leaving
// cleanly, and the coordinator itself killed and resumed (with its newest checkpoint corrupted). Every run
// must complete and end with weights byte-identical to the fault-free run (DESIGN.md §3). Real processes,
// real ZeroMQ sockets, real MNIST digits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from './cli.js';
import {
  CHAOS_SETS, exited, freePort, isAlive, localWorkerPid, progress, startWorker, STEPS, strikeSteps, until, weightHashes,
} from './chaos.js';

const root = tempDir('chaos');

/** The run's timeline.jsonl (membership events and per-round block timings). */
function timeline(run: string): { type: string; worker?: string; message?: string; blocks?: { rank: number }[] }[] {
  return readFileSync(path.join(run, 'timeline.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}
let reference: Record<string, string> | undefined;

async function fresh(): Promise<Record<string, string>> {
  if (reference) return reference;
  const run = path.join(root, 'reference');
  const res = await runCli(['train', '--out', run, '--workers', '2', ...CHAOS_SETS]);
  assert.equal(res.code, 0, res.stderr.slice(-3000));
  reference = weightHashes(run);
  return reference;
}

test('3 local workers, SIGKILLed at random steps and one SIGSTOPped: the run completes byte-identical', { timeout: 600_000 }, async () => {
  const expected = await fresh();
  const run = path.join(root, 'kills');
  const seed = Date.now() % 100_000;
  // Room after the last kill (its restart takes a second or two, many steps now) for the stop to strike a running
  // step: a stop after the last step has nothing to detect.
  const kills = strikeSteps(seed, 3, 2, STEPS - 14);
  const stopAt = STEPS - 10;
  const result = runCli(['train', '--out', run, '--workers', '3', '--set', 'cluster.maxRestarts=10', ...CHAOS_SETS], { timeoutMs: 590_000 });
  const struck: string[] = [];
  for (const [i, at] of kills.entries()) {
    await until(`step ${at}`, () => progress(run) >= at);
    const rank = (seed + i) % 3;
    const pid = localWorkerPid(run, rank) as number;
    process.kill(pid, 'SIGKILL');
    struck.push(`SIGKILL rank ${rank} at step ${progress(run)}`);
    // The next strike waits for a replacement, so that every kill hits a live worker.
    await until(`rank ${rank} restarted`, () => localWorkerPid(run, rank) !== pid, 60_000);
  }
  await until(`step ${stopAt}`, () => progress(run) >= stopAt);
  const stopped = localWorkerPid(run, (seed + 1) % 3) as number;
  process.kill(stopped, 'SIGSTOP');
  struck.push(`SIGSTOP rank ${(seed + 1) % 3} at step ${progress(run)}`);
  const res = await result;
  if (isAlive(stopped)) process.kill(stopped, 'SIGKILL');
  assert.equal(res.code, 0, `strikes (seed ${seed}): ${struck.join(', ')}\n${res.stderr.slice(-3000)}`);
  assert.deepEqual(weightHashes(run), expected, `strikes (seed ${seed}): ${struck.join(', ')}`);
  assert.match(res.stderr, /lost: cannot be reached|lost: /);
  assert.match(res.stderr, /starting it again \(restart 1 of 10/);
  const events = timeline(run);
  const lost = events.filter((e) => e.type === 'failure' && /lost/.test(e.message ?? ''));
  const seen = events.filter((e) => ['failure', 'suspect', 'speculate'].includes(e.type)).map((e) => `${e.type} ${e.worker}: ${e.message ?? ''}`);
  const why = `strikes: ${struck.join(', ')}; events: ${seen.join('; ')}`;
  assert.ok(lost.length >= kills.length, `every SIGKILLed worker was declared lost (${why})`);
  // The stopped one is suspect within cluster.suspectAfter (2 s); lost only after the link's peerTimeout, which
  // the last steps may outrun.
  const stoppedEvents = events.filter((e) => (e.type === 'suspect' || e.type === 'failure') && e.worker?.includes(`pid ${stopped} `));
  assert.ok(stoppedEvents.length > 0, `the SIGSTOPped worker was declared suspect or lost (${why})`);
});

test('a worker joining mid-run and one leaving cleanly (SIGTERM) leave the result byte-identical', { timeout: 600_000 }, async () => {
  const expected = await fresh();
  const run = path.join(root, 'elastic');
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  const env = { GANYMEDE_TOKEN: 'elastic-token' };
  const coordinator = runCli(['coordinator', '--out', run, '--bind', endpoint, '--workers', '2', '--set', 'cluster.maxWorkers=3', ...CHAOS_SETS], { env });
  const workers = [startWorker(endpoint, 0, env), startWorker(endpoint, 1, env)];
  try {
    await until('step 8', () => progress(run) >= 8);
    const late = startWorker(endpoint, 2, env);
    workers.push(late);
    await until('the late worker joined', () => late.log.join('').includes('joined run'), 60_000);
    await until('step 18', () => progress(run) >= 18);
    workers[0].kill('SIGTERM');
    assert.equal(await exited(workers[0]), 0, 'a worker told to stop leaves cleanly with exit 0');
    assert.match(workers[0].log.join(''), /left the run/);
    const res = await coordinator;
    assert.equal(res.code, 0, res.stderr.slice(-3000));
    assert.match(res.stderr, /worker left/);
    assert.deepEqual(weightHashes(run), expected);
    const events = timeline(run);
    assert.ok(events.some((e) => e.type === 'join' && e.worker?.includes('rank 2')), 'the late worker joined');
    assert.ok(events.some((e) => e.type === 'leave' && e.worker?.includes('rank 0')), 'the leaving worker is on the timeline');
    assert.ok(events.some((e) => e.type === 'round' && e.blocks?.some((b) => b.rank === 2)), 'the late worker computed blocks');
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  }
});

test('the coordinator SIGKILLed mid-run and resumed (newest checkpoint corrupted): workers rejoin, result byte-identical', { timeout: 600_000 }, async () => {
  const expected = await fresh();
  const run = path.join(root, 'coordinator');
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  const env = { GANYMEDE_TOKEN: 'restart-token' };
  let pid = 0;
  const first = runCli(['coordinator', '--out', run, '--bind', endpoint, '--workers', '2', ...CHAOS_SETS], { env, onSpawn: (p) => (pid = p) });
  const workers = [startWorker(endpoint, 0, env), startWorker(endpoint, 1, env)];
  try {
    await until('step 17', () => progress(run) >= 17);
    process.kill(pid, 'SIGKILL');
    await first;
    // The newest checkpoint (step 15) is damaged as a crash or a bad disk might leave it.
    const weights = path.join(run, 'checkpoints', 'step-000015', 'G', 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[100] ^= 0xff;
    writeFileSync(weights, bytes);
    const second = await runCli(['coordinator', '--resume', run, '--bind', endpoint], { env });
    assert.equal(second.code, 0, second.stderr.slice(-3000));
    assert.match(second.stderr, /skipping a corrupt checkpoint/);
    assert.match(second.stderr, /step-000015/);
    assert.ok(readdirSync(path.join(run, 'checkpoints')).some((d) => d.startsWith('step-000015.corrupt-')), 'the corrupt checkpoint is kept aside');
    assert.deepEqual(weightHashes(run), expected);
    for (const w of workers) {
      assert.equal(await exited(w), 0, w.log.join('').slice(-2000));
      assert.match(w.log.join(''), /joining again/);
    }
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));
