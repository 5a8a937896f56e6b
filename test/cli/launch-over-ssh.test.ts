// `ganymede launch --hosts`: a coordinator here and one worker per host through ssh. No ssh server runs in
// tests, so `--ssh` names a stand-in that runs the remote line locally, as ssh would on the host; everything
// else (the token on stdin, the rank per host, the coordinator address) is what real hosts get.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CLI, manifestHashes, runCli, tempDir } from '../integration/cli.js';
import { REPO } from '../k8s/manifests.js';

const tmp = tempDir('launch');
const recipe = path.join(REPO, 'k8s/overlays/smoke/recipe.yaml');

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

test('launch --hosts h1,h2 trains with one worker per host, the token passed on stdin only', { timeout: 180_000 }, async () => {
  const calls = path.join(tmp, 'ssh-calls.txt');
  const ssh = path.join(tmp, 'fake-ssh');
  writeFileSync(ssh, `#!/bin/sh\n# ssh HOST LINE -> runs LINE here, recording what ssh's command line held\nprintf '%s\\n' "$*" >> '${calls}'\nhost=$1; shift\nexec sh -c "$*"\n`);
  chmodSync(ssh, 0o755);
  const out = path.join(tmp, 'run');
  const token = 'launch-test-token-4f2a';
  const res = await runCli(
    ['launch', '--hosts', 'h1,h2', '--ssh', ssh, '--advertise', '127.0.0.1', '--port', String(await freePort()),
      '--remote-dir', REPO, '--remote-command', `${process.execPath} ${CLI}`, '--config', recipe, '--set', 'train.steps=20', '--backend', 'wasm', '--out', out],
    { env: { GANYMEDE_TOKEN: token } },
  );
  assert.equal(res.code, 0, res.stderr.slice(-3000));
  const lines = readFileSync(calls, 'utf8').trim().split('\n').sort(); // the two ssh calls race
  assert.deepEqual(lines.map((l) => l.split(' ')[0]), ['h1', 'h2']);
  assert.match(lines[1], /^h2 cd .* GANYMEDE_COORDINATOR=tcp:\/\/127\.0\.0\.1:\d+ GANYMEDE_WORKER_INDEX=1 exec /);
  assert.ok(!lines.some((l) => l.includes(token)), 'the token must not appear on a command line');
  assert.match(res.stderr, /\[h2 rank 1\] .*"rank":1/);
  assert.ok(existsSync(path.join(out, 'checkpoints', 'step-000020', 'manifest.json')));
  assert.ok(manifestHashes(path.join(out, 'checkpoints', 'step-000020'))['G/weights.bin']);
});

test('launch: a host whose worker cannot start stops the run with its name', { timeout: 120_000 }, async () => {
  writeFileSync(path.join(tmp, 'broken-ssh'), '#!/bin/sh\necho "ssh: connect to host $1 port 22: Connection refused" >&2\nexit 255\n');
  chmodSync(path.join(tmp, 'broken-ssh'), 0o755);
  const res = await runCli(
    ['launch', '--hosts', 'h1', '--ssh', path.join(tmp, 'broken-ssh'), '--advertise', '127.0.0.1', '--port', String(await freePort()),
      '--config', recipe, '--backend', 'wasm', '--out', path.join(tmp, 'failed')],
  );
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /ganymede: the worker on h1 \(rank 0\) exited with code 255; stopping the coordinator/);
  assert.match(res.stderr, /\[h1 rank 0\] ssh: connect to host h1 port 22: Connection refused/);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
