// The 'mnist' / 'fashion-mnist' folder sources on synthetic IDX files: loading, file naming, and clear errors.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DataError } from '../../src/errors.js';
import { loadDataset } from '../../src/data/index.js';
import { installHint } from '../../src/data/idx-files.js';
import { makeIdx, syntheticImages, writeSplit } from './fixtures/make-idx.js';

const root = mkdtempSync(join(tmpdir(), 'ganymede-folder-'));
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh folder holding a gzipped train split of 30 and a plain test split of 20. */
function folder(): string {
  const dir = join(root, `set-${n++}`);
  mkdirSync(dir);
  writeSplit(dir, 'train', 30, true);
  writeSplit(dir, 't10k', 20, false);
  return dir;
}

async function assertDataError(promise: Promise<unknown>, pattern: RegExp, hint?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
    assert.match(err.message, pattern);
    if (hint) assert.match(err.hint ?? '', hint);
    return true;
  });
}

describe('folder sources', () => {
  test('load both splits, gzipped or plain, with the pixels and labels in file order', async () => {
    const dir = folder();
    const train = await loadDataset({ source: 'mnist', dir, split: 'train' });
    const test = await loadDataset({ source: 'fashion-mnist', dir, split: 'test' });
    assert.deepEqual([train.name, train.split, train.count], ['mnist', 'train', 30]);
    assert.deepEqual([test.name, test.split, test.count], ['fashion-mnist', 'test', 20]);
    assert.deepEqual([train.height, train.width, train.channels, train.classes], [28, 28, 1, 10]);
    const expected = syntheticImages(30);
    assert.deepEqual(Array.from(train.pixels(17)), Array.from(expected.subarray(17 * 784, 18 * 784)));
    assert.equal(train.label(17), 7);
    assert.equal(train.pixels(3).buffer, train.images.buffer, 'pixels() is a view, not a copy');
    assert.throws(() => train.pixels(30), RangeError);
  });

  test('a missing folder names it and says how to get the data', async () => {
    const dir = join(root, 'nowhere');
    await assertDataError(loadDataset({ source: 'mnist', dir, split: 'train' }), /mnist: folder .*nowhere does not exist/, /ganymede data download --source mnist/);
    assert.match(installHint('fashion-mnist', '/usr/share/datasets/fashion-mnist'), /apt-get install dataset-fashion-mnist/);
  });

  test('mnist without a folder is an error, not a guess', async () => {
    await assertDataError(loadDataset({ source: 'mnist', split: 'train' }), /no data folder given/);
  });

  test('a missing file names the path', async () => {
    const dir = folder();
    rmSync(join(dir, 't10k-labels-idx1-ubyte'));
    await assertDataError(loadDataset({ source: 'mnist', dir, split: 'test' }), /t10k-labels-idx1-ubyte\[\.gz\] not found/, /data download/);
  });

  test('images and labels that disagree on the count are rejected', async () => {
    const dir = folder();
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), makeIdx([19], new Uint8Array(19)));
    await assertDataError(loadDataset({ source: 'mnist', dir, split: 'test' }), /holds 19 labels but .*t10k-images-idx3-ubyte holds 20 images/);
  });

  test('a label of 10 or more is rejected with its index', async () => {
    const dir = folder();
    const labels = new Uint8Array(20);
    labels[13] = 10;
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), makeIdx([20], labels));
    await assertDataError(loadDataset({ source: 'mnist', dir, split: 'test' }), /label 10 at index 13 is not below 10/);
  });

  test('files of the wrong rank are rejected', async () => {
    const dir = folder();
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), makeIdx([20, 784]));
    await assertDataError(loadDataset({ source: 'mnist', dir, split: 'test' }), /expected 3 dimensions \[N, height, width\], header has \[20, 784\]/);
  });
});
