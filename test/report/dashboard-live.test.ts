// `ganymede train --dashboard` serves the run's report on localhost and the page follows the run as it grows;
// a port already in use is a one-line error before any run folder exists.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';
import { runCli, tempDir } from '../integration/cli.js';
import { openPage } from './browser.js';

const root = tempDir('dashboard');
after(() => rmSync(root, { recursive: true, force: true }));

const stepOf = (html: string) => Number(/<p>step (\d+) ·/.exec(html)?.[1] ?? 0);

test('the dashboard shows the live run, updating as metrics.jsonl grows', { timeout: 240_000 }, async () => {
  const run = path.join(root, 'run');
  let url: string | undefined;
  let cli = 0;
  const seen: number[] = [];
  let browserChecked = false;
  let polling: Promise<void> | undefined;
  // Watches the page until it has followed the run over two steps and passed the browser check, then stops the
  // run (Ctrl-C): a run of fixed length could end before a slow browser start, or drag on for minutes.
  const poll = async (): Promise<void> => {
    for (let i = 0; i < 600 && !(browserChecked && seen.length >= 2); i++) {
      const res = await fetch(url!).catch(() => undefined);
      if (!res) return; // the run ended and the server closed
      const html = await res.text();
      assert.match(html, /<meta http-equiv="refresh" content="5">/);
      const step = stepOf(html);
      if (step > 0 && step !== seen.at(-1)) seen.push(step);
      if (step > 0 && !browserChecked) {
        browserChecked = true;
        const { browser, page, problems } = await openPage(url!);
        try {
          assert.deepEqual(problems, []);
          assert.ok((await page.$$eval('#curves + .charts svg', (s) => s.length)) >= 4);
        } finally {
          await browser.close();
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    process.kill(cli, 'SIGINT');
  };
  const trained = await runCli(['train', '--out', run, '--workers', '1', '--backend', 'wasm', '--dashboard', '--dashboard-port', '0',
    '--set', 'train.steps=1000000', '--set', 'train.sampleEvery=50', '--set', 'model.gHidden=[32]', '--set', 'model.dHidden=[32]'], {
    onSpawn: (pid) => (cli = pid),
    onStderr: (text) => {
      const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
      if (m && !url) {
        url = m[1];
        polling = poll();
      }
    },
  });
  await polling;
  assert.equal(trained.code, 130, trained.stderr);
  assert.ok(url, 'no dashboard URL printed');
  assert.ok(browserChecked, 'the page never showed a step');
  assert.ok(seen.length >= 2, `the page did not follow the run: steps seen ${JSON.stringify(seen)}`);
  assert.deepEqual([...seen].sort((a, b) => a - b), seen);
});

test('a dashboard port in use fails in one line and creates no run folder', { timeout: 60_000 }, async (t) => {
  const blocker = http.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.after(() => blocker.close());
  const port = (blocker.address() as AddressInfo).port;
  const run = path.join(root, 'blocked');
  const res = await runCli(['train', '--out', run, '--dashboard', '--dashboard-port', String(port), '--set', 'train.steps=2']);
  assert.equal(res.code, 1);
  assert.match(res.stderr, new RegExp(`ganymede: --dashboard-port ${port}: already in use`));
  assert.ok(!existsSync(run));
});
