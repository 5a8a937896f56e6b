// A coordinator whose JS thread is busy for longer than cluster.reconnectTimeout (a long evaluation between
// steps) is alive: ZeroMQ keeps the link up, so the workers wait for it instead of giving up and being
// restarted. Real processes; the stall is the drill hook GANYMEDE_CHAOS_STALL=<step>:<seconds>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from './cli.js';

const root = tempDir('coordinator-busy');
test.after(() => rmSync(root, { recursive: true, force: true }));

test('workers wait out a coordinator busy for longer than reconnectTimeout; none is lost or restarted', { timeout: 300_000 }, async () => {
  const out = path.join(root, 'run');
  const res = await runCli(
    ['train', '--out', out, '--workers', '2', '--backend', 'wasm', '--set', 'model.gHidden=[16]', '--set', 'model.dHidden=[16]',
      '--set', 'train.steps=4', '--set', 'cluster.reconnectTimeout=2'],
    { env: { GANYMEDE_CHAOS_STALL: '2:6' } },
  );
  assert.equal(res.code, 0, res.stderr.slice(-3000));
  assert.doesNotMatch(res.stderr, /restart|lost|exited/, res.stderr.slice(-3000));
  const logs = readdirSync(path.join(out, 'logs')).filter((f) => f.startsWith('worker'));
  assert.ok(logs.length >= 2, `worker logs: ${logs.join(', ')}`);
  for (const f of logs) assert.doesNotMatch(readFileSync(path.join(out, 'logs', f), 'utf8'), /no message from the coordinator/, f);
});
