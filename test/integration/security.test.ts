// Keeping strangers out: `ganymede keys`, a CURVE-encrypted coordinator that lets in only listed worker keys,
// and workers with a wrong key, a wrong server key, no CURVE at all, or a wrong token, which are rejected,
// logged, and never get weights or data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from './cli.js';
import { exited, freePort, startWorker } from './chaos.js';

const root = tempDir('security');
const small = ['--set', 'model.gHidden=[32]', '--set', 'model.dHidden=[32]', '--set', 'train.steps=5', '--backend', 'wasm'];

test('ganymede keys writes a pair (secret 0600) and never overwrites one', async () => {
  const res = await runCli(['keys', '--out', root, '--name', 'coordinator']);
  assert.equal(res.code, 0, res.stderr);
  const pub = readFileSync(path.join(root, 'coordinator.public'), 'utf8').trim();
  assert.match(pub, /^.{40}$/);
  assert.match(res.stdout, new RegExp(pub.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.equal(statSync(path.join(root, 'coordinator.secret')).mode & 0o777, 0o600);
  const again = await runCli(['keys', '--out', root, '--name', 'coordinator']);
  assert.equal(again.code, 1, again.stderr);
  assert.match(again.stderr, /exists already/);
  assert.equal(readFileSync(path.join(root, 'coordinator.public'), 'utf8').trim(), pub, 'the old key is untouched');
});

test('CURVE: the listed worker trains; a wrong key, a wrong server key, no CURVE or a wrong token are turned away', { timeout: 300_000 }, async () => {
  for (const name of ['worker', 'stranger', 'fake-server']) assert.equal((await runCli(['keys', '--out', root, '--name', name])).code, 0);
  const file = (n: string) => path.join(root, n);
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  const token = { GANYMEDE_TOKEN: 'curve-token' };
  const coordinator = runCli(['coordinator', '--out', file('run'), '--bind', endpoint, '--workers', '1', ...small], {
    env: { ...token, GANYMEDE_CURVE_SECRET_FILE: file('coordinator.secret'), GANYMEDE_CURVE_CLIENTS_FILE: file('worker.public') },
  });
  const client = (keyName: string, serverKey: string) => ({
    GANYMEDE_CURVE_SECRET_FILE: file(`${keyName}.secret`), GANYMEDE_CURVE_SERVER_KEY_FILE: file(`${serverKey}.public`),
  });
  const intruders = [
    startWorker(endpoint, 1, { ...token, ...client('stranger', 'coordinator') }),
    startWorker(endpoint, 2, { ...token, ...client('worker', 'fake-server') }),
    startWorker(endpoint, 3, token),
    startWorker(endpoint, 4, { GANYMEDE_TOKEN: 'guess', ...client('worker', 'coordinator') }),
  ];
  // The wrong-token worker holds good keys, so it gets as far as HELLO; it must be refused before it joins.
  await new Promise((r) => setTimeout(r, 3000));
  const good = startWorker(endpoint, 0, { ...token, ...client('worker', 'coordinator') });
  try {
    const res = await coordinator;
    assert.equal(res.code, 0, res.stderr.slice(-3000));
    assert.match(res.stderr, /CURVE: public key not allowed/);
    assert.match(res.stderr, /wrong run token/);
    assert.equal(await exited(good), 0, good.log.join('').slice(-2000));
    assert.equal(await exited(intruders[3]), 1);
    assert.match(intruders[3].log.join(''), /coordinator refused this worker: HELLO with a wrong run token/);
    for (const w of intruders.slice(0, 3)) {
      assert.doesNotMatch(w.log.join(''), /joined run/, 'an intruder never joins');
      w.kill('SIGKILL');
    }
    const joined = res.stderr.split('\n').filter((l) => l.includes('"worker joined"'));
    assert.equal(joined.length, 1, 'only the listed worker joined');
    assert.match(joined[0], /rank 0/);
  } finally {
    for (const w of [good, ...intruders]) if (w.exitCode === null) w.kill('SIGKILL');
  }
});

test('bad CURVE settings are a clear error before anything is written', async () => {
  const out = path.join(root, 'never');
  const res = await runCli(['coordinator', '--out', out, '--bind', 'tcp://127.0.0.1:0', ...small], {
    env: { GANYMEDE_CURVE_SECRET: 'too-short', GANYMEDE_CURVE_CLIENTS: 'x' },
  });
  assert.equal(res.code, 1);
  assert.match(res.stderr, /ganymede: \$GANYMEDE_CURVE_SECRET: not a CURVE key/);
  assert.throws(() => statSync(out), /ENOENT/);
});

test.after(() => rmSync(root, { recursive: true, force: true }));
