// What a real run leaves for people to look at: TensorBoard files and timeline.jsonl written during training,
// the HTML report and the exported generator page opened in headless Chromium (no console errors, no network,
// charts and a non-blank canvas on the screenshots), and `sample` writing MNIST-format IDX files.
// Screenshots go to $GANYMEDE_SCREENSHOTS when set (to look at them), else to the test's temp folder.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { readIdx } from '../../src/data/index.js';
import { runCli, tempDir } from '../integration/cli.js';
import { openPage } from './browser.js';
import { parseEvent, readRecords } from './tb-reader.js';

const root = tempDir('views');
const run = path.join(root, 'run');
const shots = process.env.GANYMEDE_SCREENSHOTS ?? path.join(root, 'screenshots');
after(() => rmSync(root, { recursive: true, force: true }));

before(async () => {
  mkdirSync(shots, { recursive: true });
  const res = await runCli(['train', '--out', run, '--workers', '2', '--backend', 'wasm', '--set', 'train.steps=6',
    '--set', 'train.sampleEvery=3', '--set', 'train.checkpointEvery=3', '--set', 'model.gHidden=[32]', '--set', 'model.dHidden=[32]']);
  assert.equal(res.code, 0, res.stderr);
});

/** Distinct grey levels and the share of pixels that are not the background, in an RGBA buffer. */
function inkStats(rgba: Uint8Array | Buffer, background: number[]): { levels: number; ink: number } {
  const levels = new Set<number>();
  let ink = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    levels.add((rgba[i] << 16) | (rgba[i + 1] << 8) | rgba[i + 2]);
    if (Math.abs(rgba[i] - background[0]) + Math.abs(rgba[i + 1] - background[1]) + Math.abs(rgba[i + 2] - background[2]) > 30) ink++;
  }
  return { levels: levels.size, ink: ink / (rgba.length / 4) };
}

test('training writes TensorBoard scalars and images that parse back with valid CRCs', () => {
  const files = readdirSync(path.join(run, 'tb'));
  assert.equal(files.length, 1);
  assert.match(files[0], /^events\.out\.tfevents\.\d+\./);
  const events = readRecords(readFileSync(path.join(run, 'tb', files[0]))).map(parseEvent);
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  const metrics = readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  for (const line of metrics) {
    const ev = events.find((e) => e.step === line.step && e.values.some((v) => v.tag === 'loss/D'));
    assert.ok(ev, `no scalar event for step ${line.step}`);
    assert.equal(ev.values.find((v) => v.tag === 'loss/D')?.simpleValue, Math.fround(line['loss/D']));
  }
  const images = events.flatMap((e) => e.values.filter((v) => v.image).map((v) => `${v.tag}@${e.step}`));
  assert.deepEqual(images.sort(), ['samples@3', 'samples@6', 'walk@3', 'walk@6']);
  const img = events.flatMap((e) => e.values).find((v) => v.tag === 'samples')!.image!;
  assert.deepEqual(Buffer.from(img.png), readFileSync(path.join(run, 'samples', 'step-000003.png')));
});

test('timeline.jsonl records joins and which worker computed which shard block in every round', () => {
  const events = readFileSync(path.join(run, 'timeline.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(events[0].type, 'start');
  assert.equal(events.at(-1)?.type, 'end');
  assert.equal(events.filter((e) => e.type === 'join').length, 2);
  const rounds = events.filter((e) => e.type === 'round') as Array<{ phase: string; blocks: Array<{ rank: number; lo: number; sent: number; received: number }> }>;
  assert.equal(rounds.length, 12); // 6 steps x (D, G)
  for (const r of rounds) {
    assert.deepEqual(r.blocks.map((b) => [b.rank, b.lo]), [[0, 0], [1, 1]]); // 2 micro-shards over 2 workers
    for (const b of r.blocks) assert.ok(b.received >= b.sent);
  }
});

test('the report opens from disk in Chromium with no errors and no network, and shows the charts', { timeout: 120_000 }, async () => {
  const res = await runCli(['report', run]);
  assert.equal(res.code, 0, res.stderr);
  const file = path.join(run, 'report.html');
  const { browser, page, problems, requests } = await openPage(`file://${file}`);
  try {
    assert.deepEqual(problems, []);
    assert.deepEqual(requests.filter((u) => !u.startsWith('data:')), [`file://${file}`]);
    const charts = await page.$$eval('#curves + .charts svg', (svgs) => svgs.length);
    assert.ok(charts >= 4, `${charts} charts`);
    assert.equal(await page.$$eval('#timeline ~ .charts svg', (svgs) => svgs.length), 1);
    assert.equal(await page.$$eval('img', (imgs) => imgs.filter((i) => i.naturalWidth > 0).length), 3); // samples at 3 and 6, the latest walk
    await page.screenshot({ path: path.join(shots, 'report.png'), fullPage: true });
    const losses = await page.$('#chart-loss');
    assert.ok(losses);
    const png = PNG.sync.read(Buffer.from(await losses.screenshot({ path: path.join(shots, 'report-losses.png') })));
    const stats = inkStats(png.data, [255, 255, 255]);
    assert.ok(stats.levels > 20 && stats.ink > 0.02, `the losses chart looks empty: ${JSON.stringify(stats)}`);
  } finally {
    await browser.close();
  }
});

test('the exported generator page draws digits on a button press', { timeout: 120_000 }, async () => {
  const out = path.join(root, 'export');
  const res = await runCli(['export', '--checkpoint', run, '--out', out, '--backend', 'wasm']);
  assert.equal(res.code, 0, res.stderr);
  const again = await runCli(['export', '--checkpoint', run, '--out', out]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /is not empty; nothing was written/);

  const { browser, page, problems } = await openPage(`file://${path.join(out, 'index.html')}`);
  try {
    // Page code as strings: the tests compile without the DOM library.
    await page.waitForFunction("!document.getElementById('draw').disabled", { timeout: 60_000 });
    await page.click('#draw');
    await page.waitForFunction("document.body.dataset.drawn === '1'", { timeout: 60_000 });
    assert.deepEqual(problems, []);
    const pixels = (await page.evaluate(
      "(() => { const c = document.getElementById('grid'); return [...c.getContext('2d').getImageData(0, 0, c.width, c.height).data]; })()",
    )) as number[];
    assert.equal(pixels.length, 4 * (8 * 30 + 2) ** 2);
    const stats = inkStats(Uint8Array.from(pixels), [48, 48, 48]);
    assert.ok(stats.levels > 50 && stats.ink > 0.1, `blank canvas: ${JSON.stringify(stats)}`);
    await page.screenshot({ path: path.join(shots, 'export-page.png') });
  } finally {
    await browser.close();
  }
});

test('sample writes raw samples in MNIST IDX format (plain and gzipped) matching its PNG grid', { timeout: 120_000 }, async () => {
  const idx = path.join(root, 'samples.idx.gz');
  const grid = path.join(root, 'grid.png');
  assert.equal((await runCli(['sample', '--checkpoint', run, '--n', '16', '--seed', '3', '--out', idx, '--backend', 'wasm'])).code, 0);
  assert.equal((await runCli(['sample', '--checkpoint', run, '--n', '16', '--seed', '3', '--out', grid, '--backend', 'wasm'])).code, 0);
  const arr = readIdx(idx);
  assert.deepEqual(arr.dims, [16, 28, 28]);
  const png = PNG.sync.read(readFileSync(grid));
  // Image 5 is tile (row 1, col 1) of the 4 x 4 grid: top-left at 2 + 58 px, each pixel 2 x 2.
  for (const [y, x] of [[0, 0], [14, 14], [20, 7], [27, 27]]) {
    assert.equal(png.data[((60 + 2 * y) * png.width + 60 + 2 * x) * 4], arr.data[5 * 784 + y * 28 + x]);
  }
  const plain = path.join(root, 'samples.idx');
  assert.equal((await runCli(['sample', run, '--n', '16', '--seed', '3', '--out', plain, '--backend', 'wasm'])).code, 0);
  assert.deepEqual(readFileSync(plain).subarray(0, 4), Buffer.from([0, 0, 8, 3]));
  assert.deepEqual(readIdx(plain).data, arr.data);
  const trunc = path.join(root, 'trunc.idx');
  assert.equal((await runCli(['sample', run, '--n', '16', '--seed', '3', '--truncation', '0.5', '--out', trunc, '--backend', 'wasm'])).code, 0);
  assert.notDeepEqual(readIdx(trunc).data, arr.data);
});

test('bad input to report, export and sample is one line and exit code 1', { timeout: 120_000 }, async () => {
  const nope = path.join(root, 'nope');
  const cases: Array<[string[], RegExp]> = [
    [['report', nope], /^ganymede: .*nope: not a run folder \(no config\.yaml\)$/m],
    [['export', '--checkpoint', nope, '--out', path.join(root, 'x')], /^ganymede: .*nope: no such run or checkpoint folder$/m],
    [['sample', run, '--checkpoint', run, '--out', path.join(root, 'y.png')], /^ganymede: name one run or checkpoint folder/m],
    [['sample', run, '--truncation', '0', '--out', path.join(root, 'z.png')], /^ganymede: --truncation 0: must be above 0$/m],
  ];
  for (const [args, message] of cases) {
    const res = await runCli(args);
    assert.equal(res.code, 1, args.join(' '));
    assert.match(res.stderr, message);
    assert.doesNotMatch(res.stderr, /\n\s+at /); // no stack trace
  }
});
