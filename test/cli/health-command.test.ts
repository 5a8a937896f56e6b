// `ganymede health`: exit 0 when a coordinator endpoint accepts TCP connections, one clear line otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { runCli } from '../integration/cli.js';

test('ganymede health: ok for a listening port, one line and exit 1 for a closed one or a bad endpoint', async () => {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const ok = await runCli(['health', '--endpoint', `tcp://127.0.0.1:${port}`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, `ok: tcp://127.0.0.1:${port} accepts connections\n`);
    const viaEnv = await runCli(['health'], { env: { GANYMEDE_COORDINATOR: `tcp://localhost:${port}` } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  const closed = await runCli(['health', '--endpoint', `tcp://127.0.0.1:${port}`, '--wait', '1', '--interval', '0.3']);
  assert.equal(closed.code, 1);
  assert.match(closed.stderr, new RegExp(`^(waiting for .*\\n)*ganymede: coordinator tcp://127\\.0\\.0\\.1:${port} is not reachable: ECONNREFUSED \\(waited 1 s\\)\\n  hint: `));
  const bad = await runCli(['health', '--endpoint', 'http://somewhere']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^ganymede: http:\/\/somewhere: expected tcp:\/\/host:port\n/);
});
