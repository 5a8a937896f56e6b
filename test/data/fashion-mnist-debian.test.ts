// The real Fashion-MNIST from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), when installed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_DIRS, DOWNLOAD_FILES, SHA256, loadDataset, type Dataset } from '../../src/data/index.js';

const dir = DEFAULT_DIRS['fashion-mnist'] ?? '';
const skip = existsSync(join(dir, 'train-images-idx3-ubyte.gz'))
  ? false
  : `Debian package dataset-fashion-mnist not installed (no ${dir}/train-images-idx3-ubyte.gz): apt-get install dataset-fashion-mnist`;

/** Fashion-MNIST is balanced: each of the 10 classes has count / 10 images. */
function assertBalanced(ds: Dataset, perClass: number): void {
  const histogram = new Array<number>(10).fill(0);
  for (const l of ds.labels) histogram[l]++; // a label >= 10 would add an 11th entry
  assert.deepEqual(histogram, new Array<number>(10).fill(perClass));
}

describe('fashion-mnist from the Debian package', () => {
  test('train: 60,000 images of 28x28x1, 6,000 per class', { skip }, async () => {
    const ds = await loadDataset({ source: 'fashion-mnist', split: 'train' }); // the default folder
    assert.deepEqual([ds.name, ds.count, ds.height, ds.width, ds.channels, ds.classes], ['fashion-mnist', 60000, 28, 28, 1, 10]);
    assert.equal(ds.images.length, 60000 * 784);
    assertBalanced(ds, 6000);
    assert.ok(ds.pixels(0).some((v) => v > 0), 'the first image is not blank');
  });

  test('test: 10,000 images, 1,000 per class', { skip }, async () => {
    const ds = await loadDataset({ source: 'fashion-mnist', dir, split: 'test' });
    assert.deepEqual([ds.count, ds.height, ds.width], [10000, 28, 28]);
    assertBalanced(ds, 1000);
  });

  // Debian re-gzipped the upstream files without the header's file name and time (gzip -n), keeping the deflate
  // stream. Restoring upstream's header must give the upstream SHA-256 in SHA256: an oracle for those constants.
  test('Debian files with the upstream gzip header restored hash to the SHA256 constants', { skip }, (t) => {
    const upstreamTime: Record<string, number> = { train: 1504176606, t10k: 1504176627 }; // 2017-08-31T10:50Z
    for (const file of DOWNLOAD_FILES) {
      const debian = readFileSync(join(dir, file));
      if (debian[3] !== 0 || debian.readUInt32LE(4) !== 0x5eda0aed) {
        t.skip(`${file}: not the 2020-06-05 Debian packaging this reconstruction knows`);
        return;
      }
      const header = Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3]); // FLG.FNAME set, mtime below
      header.writeUInt32LE(upstreamTime[file.startsWith('train') ? 'train' : 't10k'], 4);
      const upstream = Buffer.concat([header, Buffer.from(`${file.replace(/\.gz$/, '')}\0`), debian.subarray(10)]);
      assert.equal(createHash('sha256').update(upstream).digest('hex'), SHA256['fashion-mnist'][file], file);
    }
  });
});
