// `ganymede coordinator` and separately started `ganymede worker` processes (the cluster and Kubernetes way:
// GANYMEDE_COORDINATOR, JOB_COMPLETION_INDEX, a run token) train over tcp to the same bits as `ganymede train`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { CLI, manifestHashes, runCli, tempDir } from './cli.js';

const root = tempDir('cluster');
const sets = ['--set', 'model.gHidden=[64, 128]', '--set', 'model.dHidden=[128, 64]', '--set', 'train.steps=6', '--set', 'train.microShards=4',
  '--set', 'seed=3', '--backend', 'wasm'];

function weights(run: string) {
  const h = manifestHashes(path.join(run, 'checkpoints', 'step-000006'));
  return [h['G/weights.bin'], h['D/weights.bin']];
}

test('coordinator + 2 remote workers over tcp equal a local run, bit for bit; a wrong token is turned away', { timeout: 180_000 }, async () => {
  const local = path.join(root, 'local');
  const res = await runCli(['train', '--out', local, '--workers', '2', ...sets]);
  assert.equal(res.code, 0, res.stderr);

  const remote = path.join(root, 'remote');
  let endpoint = '';
  let onEndpoint!: () => void;
  const listening = new Promise<void>((resolve) => (onEndpoint = resolve));
  const env = { ...process.env, GANYMEDE_TOKEN: 'shared-secret' };
  const coordinator = runCli(['coordinator', '--out', remote, '--workers', '2', '--bind', 'tcp://127.0.0.1:0', ...sets], {
    env: { GANYMEDE_TOKEN: 'shared-secret' },
    onStderr: (text) => {
      const m = /"endpoint":"(tcp:\/\/127\.0\.0\.1:\d+)".*coordinator listening/.exec(text);
      if (m) {
        endpoint = m[1];
        onEndpoint();
      }
    },
  });
  await listening;
  // A stranger with the wrong token is refused and exits non-zero; it does not take a worker's place.
  const stranger = spawn(process.execPath, [CLI, 'worker'], {
    env: { ...env, GANYMEDE_TOKEN: 'guess', GANYMEDE_COORDINATOR: endpoint }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const strangerExit = new Promise<number | null>((resolve) => stranger.on('exit', (code) => resolve(code)));
  assert.equal(await strangerExit, 1);
  const workers = [0, 1].map((i) =>
    spawn(process.execPath, [CLI, 'worker'], { env: { ...env, GANYMEDE_COORDINATOR: endpoint, JOB_COMPLETION_INDEX: String(i) }, stdio: 'ignore' }),
  );
  const done = await coordinator;
  assert.equal(done.code, 0, done.stderr.slice(-2000));
  const codes = await Promise.all(workers.map((w) => new Promise<number | null>((resolve) => (w.exitCode !== null ? resolve(w.exitCode) : w.on('exit', resolve)))));
  assert.deepEqual(codes, [0, 0], 'workers exit cleanly after SHUTDOWN');
  assert.deepEqual(weights(remote), weights(local));
});

test.after(() => rmSync(root, { recursive: true, force: true }));
