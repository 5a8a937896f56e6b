// What the report holds for a given run: a chart per metric group (penalties and evaluation metrics included),
// the time split, evaluations as a table, the timeline with joins and failures, escaping of the config.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { renderSvg } from '../../src/report/charts.js';
import { groupOf, metricCharts, timelineCharts } from '../../src/report/curves.js';
import { reportHtml } from '../../src/report/html.js';
import { readJsonLines, readRun } from '../../src/report/run-data.js';

test('metrics are grouped by their path prefix, with the known groups named', () => {
  assert.equal(groupOf('loss/D'), 'loss');
  assert.equal(groupOf('gp/D'), 'gp');
  assert.equal(groupOf('D(G(z))'), 'D outputs');
  assert.equal(groupOf('gradnorm/G'), 'gradient norms');
  assert.equal(groupOf('samples/s'), 'throughput');
  assert.equal(groupOf('time/wait_ms'), 'time');
  assert.equal(groupOf('fid/ema'), 'fid');
});

const metrics = Array.from({ length: 40 }, (_, i) => ({
  step: i + 1, 'loss/D': 1 / (i + 1), 'loss/G': 2, 'gp/D': 0.1 * i, 'lr/D': 2e-4, 'samples/s': 100 + i,
  'time/compute_ms': 50, 'time/send_ms': 5, 'time/wait_ms': 60, 'time/reduce_ms': 2, 'time/optim_ms': 8,
  ...(i % 10 === 9 ? { 'fid/ema': 100 - i } : {}),
}));

test('every metric group gets a chart, in order, plus the time split; the SVGs hold the lines', async () => {
  const charts = metricCharts(metrics);
  assert.deepEqual(charts.map((c) => c.title), ['Losses', 'Learning rates', 'Throughput (samples/s)', 'fid', 'gp', 'Round time split']);
  const svg = await renderSvg(charts[0].spec);
  assert.match(svg, /^<svg/);
  assert.ok((svg.match(/<path/g) ?? []).length >= 2);
  assert.match(svg, /loss\/D/);
});

test('the report lists evaluations, workers, joins and failures, and escapes the config', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ganymede-report-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'config.yaml'), 'name: <script>alert(1)</script>\n');
  writeFileSync(path.join(dir, 'metrics.jsonl'), metrics.map((m) => JSON.stringify(m)).join('\n') + '\n{"step": 41, "loss/D"'); // a half-written line
  const t0 = 1_800_000_000_000;
  const block = (rank: number, sent: number) => ({ worker: `worker rank ${rank}`, rank, lo: rank, n: 1, sent, received: sent + 40, computeMs: 30 });
  const timeline = [
    { type: 'start', t: t0, step: 0 },
    { type: 'join', t: t0 + 100, worker: 'worker rank 0' },
    { type: 'join', t: t0 + 120, worker: 'worker rank 1' },
    ...Array.from({ length: 30 }, (_, r) => ({ type: 'round', t: t0 + 200 + 50 * r + 45, step: r >> 1, round: r, phase: r % 2 ? 'G' : 'D',
      sendMs: 1, waitMs: 40, reduceMs: 1, blocks: [block(0, t0 + 200 + 50 * r), block(1, t0 + 200 + 50 * r)] })),
    { type: 'failure', t: t0 + 1800, message: 'worker rank 1 (pid 9 on h) sent nothing for 30 s: lost' },
  ];
  writeFileSync(path.join(dir, 'timeline.jsonl'), timeline.map((e) => JSON.stringify(e)).join('\n') + '\n');
  mkdirSync(path.join(dir, 'samples'));

  const run = readRun(dir);
  assert.equal(run.metrics.length, 40);
  const charts = timelineCharts(run.timeline);
  assert.deepEqual(charts.map((c) => c.title), ['Cluster timeline: rounds 0-23', 'Cluster timeline: rounds 6-29']);
  const html = await reportHtml(run);
  assert.ok(!html.includes('<script>alert(1)</script>'));
  assert.match(html, /name: &#60;script&#62;/);
  assert.match(html, /<h3>Evaluations<\/h3><table><tr><th>step<\/th><th>fid\/ema<\/th><\/tr><tr><td>10<\/td><td>91<\/td>/);
  assert.match(html, /<td>worker rank 1<\/td><td>30<\/td><td>30<\/td><td>30<\/td>/); // blocks, shards, mean compute ms
  assert.match(html, /<td>failure<\/td><td>worker rank 1 \(pid 9 on h\) sent nothing for 30 s: lost<\/td>/);
  assert.equal((html.match(/<svg/g) ?? []).length, 6 + 2);
  assert.ok(!/<script/i.test(html), 'the report runs no script');
  assert.ok(!/(src|href)="https?:/.test(html), 'the report loads nothing from the network');
  assert.deepEqual(readJsonLines(path.join(dir, 'nope.jsonl')), []);
});
