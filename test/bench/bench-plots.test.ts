// `ganymede bench` at tiny size, every scenario: the table on stdout, the JSON, and its plots (SVG + PNG) next
// to it; then `ganymede report` on that folder (and on a run folder holding bench results) shows them, opened
// in headless Chromium. Speed is never asserted here: these are the benchmarks' plumbing, not their figures.
// Screenshots go to $GANYMEDE_SCREENSHOTS when set (to look at them), else to the test's temp folder.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { runCli, tempDir } from '../integration/cli.js';
import { openPage } from '../report/browser.js';

const root = tempDir('bench-plots');
const bench = path.join(root, 'bench-results');
const shots = process.env.GANYMEDE_SCREENSHOTS ?? path.join(root, 'screenshots');
const tiny = ['--set', 'model.gHidden=[32]', '--set', 'model.dHidden=[32]', '--steps', '2', '--warmup', '1'];
const comm = ['--sizes', '1e4,1e5', '--repeats', '2'];
const out: Record<string, string> = {};
after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  mkdirSync(shots, { recursive: true });
  const runs: Array<[string, string[]]> = [
    ['step', ['--backends', 'wasm', '--workers', '1', ...tiny, '--json']],
    ['scaling', ['--workers', '1,2', ...tiny]],
    ['comm', comm],
    ['projection', [...comm, '--compute-ms', '10']],
  ];
  for (const [scenario, args] of runs) {
    const res = await runCli(['bench', scenario, ...args, '--out', path.join(bench, `${scenario}.json`)]);
    assert.equal(res.code, 0, `${scenario}: ${res.stderr}`);
    out[scenario] = res.stdout;
  }
});

/** Share of pixels that are not white, and distinct colours, of a PNG. */
function ink(png: PNG): { colours: number; ink: number } {
  const colours = new Set<number>();
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    colours.add((png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2]);
    if (png.data[i] + png.data[i + 1] + png.data[i + 2] < 700) n++;
  }
  return { colours: colours.size, ink: n / (png.data.length / 4) };
}

test('every scenario prints its table, writes its JSON, and draws its plots next to it', () => {
  const step = JSON.parse(out.step) as Record<string, unknown>; // --json: one object, the names scripts rely on
  for (const key of ['samplesPerSec', 'stepsPerSec', 'backend', 'workers', 'gflops']) assert.ok(key in step, key);
  assert.match(out.scaling, /wasm +workers 1 .* samples\/s .*efficiency 100%/);
  assert.match(out.scaling, /wasm +workers 2 .*efficiency \d+%/);
  assert.match(out.scaling, /wasm +workers 2 .*coordinator in \d+\.\d+ MB, out \d+\.\d+ MB per step \(star\)/);
  assert.match(out.comm, /ipc .* protocol rtt .*x raw ZeroMQ/);
  assert.match(out.projection, /^MODEL/);
  const plots: Record<string, string[]> = { step: ['throughput', 'mfu'], scaling: ['throughput', 'split', 'traffic'], comm: ['rtt', 'ratio'], projection: ['efficiency'] };
  for (const [scenario, ids] of Object.entries(plots)) {
    const json = JSON.parse(readFileSync(path.join(bench, `${scenario}.json`), 'utf8')) as { bench: string; rows: unknown[]; machine: { cpus: number } };
    assert.equal(json.bench, scenario);
    assert.ok(json.rows.length > 0 && json.machine.cpus > 0);
    if (scenario !== 'step') assert.match(out[scenario], new RegExp(`wrote .*${scenario}\\.json and ${ids.length} plot\\(s\\)`));
    for (const id of ids) {
      assert.match(readFileSync(path.join(bench, `${scenario}-${id}.svg`), 'utf8'), /^<svg/);
      const stats = ink(PNG.sync.read(readFileSync(path.join(bench, `${scenario}-${id}.png`))));
      assert.ok(stats.colours > 20 && stats.ink > 0.02, `${scenario}-${id}.png looks empty: ${JSON.stringify(stats)}`);
    }
  }
  const scaling = JSON.parse(readFileSync(path.join(bench, 'scaling.json'), 'utf8')) as { rows: Array<{ workers: number; batchSize: number }> };
  assert.deepEqual(scaling.rows.map((r) => [r.workers, r.batchSize]), [[1, 64], [2, 128]]); // weak scaling
});

test('report shows the bench results: a page for the folder, a section in a run report; Chromium opens it cleanly', { timeout: 120_000 }, async () => {
  const res = await runCli(['report', bench]);
  assert.equal(res.code, 0, res.stderr);
  const file = path.join(bench, 'report.html');
  const html = readFileSync(file, 'utf8');
  assert.match(html, /<h2 id="benchmarks">Benchmarks<\/h2>/);
  assert.deepEqual([...html.matchAll(/<h3 id="bench-(\w+)"/g)].map((m) => m[1]), ['step', 'scaling', 'comm', 'projection']);
  assert.equal((html.match(/<svg/g) ?? []).length, 8);
  assert.match(html, /<th>x raw ZeroMQ<\/th>/);
  assert.ok(!/<script/i.test(html));

  const { browser, page, problems, requests } = await openPage(`file://${file}`);
  try {
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [`file://${file}`]);
    await page.screenshot({ path: path.join(shots, 'bench-report.png'), fullPage: true });
    const split = await page.$('#bench-scaling-split');
    assert.ok(split);
    const stats = ink(PNG.sync.read(Buffer.from(await split.screenshot({ path: path.join(shots, 'bench-report-split.png') }))));
    assert.ok(stats.colours > 20 && stats.ink > 0.05, `the split chart looks empty: ${JSON.stringify(stats)}`);
  } finally {
    await browser.close();
  }

  // A run folder holding bench results under bench/ gets the same section after its own.
  const run = path.join(root, 'run');
  mkdirSync(run);
  writeFileSync(path.join(run, 'config.yaml'), 'name: r\n');
  cpSync(path.join(bench, 'comm.json'), path.join(run, 'bench', 'comm.json'));
  assert.equal((await runCli(['report', run])).code, 0);
  const runHtml = readFileSync(path.join(run, 'report.html'), 'utf8');
  assert.match(runHtml, /<h2 id="checkpoints">[\s\S]*<h2 id="benchmarks">Benchmarks<\/h2><h3 id="bench-comm">bench comm: <code>bench\/comm\.json<\/code>/);
  rmSync(path.join(run, 'bench'), { recursive: true });
  assert.equal((await runCli(['report', run])).code, 0);
  assert.ok(!readFileSync(path.join(run, 'report.html'), 'utf8').includes('id="benchmarks"'));

  // A folder with neither a run nor bench results is still a usage error, and nothing is written.
  const empty = path.join(root, 'empty');
  mkdirSync(empty);
  const bad = await runCli(['report', empty]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^ganymede: .*not a run folder/);
  assert.ok(!existsSync(path.join(empty, 'report.html')));
});
