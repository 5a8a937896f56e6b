// When a run cannot survive a fault it fails with one clear line, promptly, never hangs: a worker killed
// with no restart left (cluster.maxRestarts 0), or too few workers for longer than cluster.waitTimeout.
// (Surviving faults is tested in chaos.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from './cli.js';

const root = tempDir('failure');
const small = ['--set', 'model.gHidden=[32]', '--set', 'model.dHidden=[32]', '--set', 'train.steps=100000', '--backend', 'wasm'];

/** Pid of a local worker, from its log file once it has joined. */
async function workerPid(run: string, rank: number): Promise<number> {
  const file = path.join(run, 'logs', `worker-${rank}.log`);
  for (let i = 0; i < 600; i++) {
    if (existsSync(path.join(run, 'metrics.jsonl')) && existsSync(file)) {
      const line = readFileSync(file, 'utf8').split('\n').find((l) => l.includes('joined run'));
      if (line) return (JSON.parse(line) as { pid: number }).pid;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('worker never joined');
}

for (const [signal, expected, sets] of [
  ['SIGKILL', /worker rank 1 \(pid \d+\) was killed by SIGKILL/, ['cluster.maxRestarts=0']],
  ['SIGSTOP', /fewer than cluster.minWorkers \(2\) workers for 3 s/, ['cluster.minWorkers=2', 'cluster.waitTimeout=3']],
] as const) {
  test(`a worker ${signal === 'SIGKILL' ? 'killed with no restart left' : 'stopped, below minWorkers,'} fails the run promptly with a clear message`, { timeout: 120_000 }, async () => {
    const run = path.join(root, signal);
    const started = Date.now();
    const result = runCli(['train', '--out', run, '--workers', '2', ...sets.flatMap((s) => ['--set', s]), ...small]);
    const pid = await workerPid(run, 1);
    const killedAt = Date.now();
    process.kill(pid, signal);
    const res = await result;
    const tookMs = Date.now() - killedAt;
    if (signal === 'SIGSTOP') {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already reaped by the coordinator's shutdown */ }
    }
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, expected);
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace without --verbose');
    assert.ok(tookMs < 30_000, `took ${tookMs} ms to fail (started ${killedAt - started} ms in)`);
  });
}

test('Ctrl-C stops the run with exit 130 and a resume hint, and leaves no worker behind', { timeout: 120_000 }, async () => {
  const run = path.join(root, 'sigint');
  let cli = 0;
  const result = runCli(['train', '--out', run, '--workers', '2', ...small], { onSpawn: (pid) => (cli = pid) });
  const pids = [await workerPid(run, 0), await workerPid(run, 1)];
  process.kill(cli, 'SIGINT');
  const res = await result;
  assert.equal(res.code, 130, res.stderr);
  assert.match(res.stderr, /interrupted by SIGINT/);
  assert.match(res.stderr, /--resume/);
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} still running`);
});

test('local workers exit promptly when their coordinator process is killed', { timeout: 120_000 }, async () => {
  const run = path.join(root, 'coordinator-killed');
  let cli = 0;
  const result = runCli(['train', '--out', run, '--workers', '2', ...small], { onSpawn: (pid) => (cli = pid) });
  const pids = [await workerPid(run, 0), await workerPid(run, 1)];
  process.kill(cli, 'SIGKILL');
  await result;
  const alive = () => pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  for (let i = 0; i < 100 && alive().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(alive(), [], 'workers outlived their coordinator by 10 s');
});

test.after(() => rmSync(root, { recursive: true, force: true }));
