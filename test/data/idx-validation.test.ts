// readIdx: plain and gzipped files, and a clear DataError naming the file for every kind of damage.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../src/errors.js';
import { readIdx } from '../../src/data/index.js';
import { makeIdx } from './fixtures/make-idx.js';

const dir = mkdtempSync(join(tmpdir(), 'ganymede-idx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** Asserts readIdx(file) throws a DataError whose message starts with the file and matches `pattern`. */
function assertBad(file: string, pattern: RegExp): void {
  assert.throws(
    () => readIdx(file),
    (err: unknown) => {
      assert.ok(err instanceof DataError, `expected DataError, got ${String(err)}`);
      assert.ok(err.message.startsWith(`${file}: `), `message should name the file: ${err.message}`);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

describe('readIdx', () => {
  const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);
  const idx = makeIdx([2, 3, 4], data);

  test('reads dims (big-endian) and data of a plain file', () => {
    const out = readIdx(write('plain-idx3-ubyte', idx));
    assert.deepEqual(out.dims, [2, 3, 4]);
    assert.equal(out.dtype, 'uint8');
    assert.deepEqual(Array.from(out.data), Array.from(data));
    assert.ok(!Buffer.isBuffer(out.data), 'data is a plain Uint8Array, so slice() copies');
  });

  test('detects gzip by its magic bytes, not by the file name', () => {
    assert.deepEqual(Array.from(readIdx(write('gzipped-no-extension', gzipSync(idx))).data), Array.from(data));
    assert.deepEqual(Array.from(readIdx(write('plain-named.gz', idx)).data), Array.from(data));
  });

  test('truncated data names the sizes from the header and the file', () => {
    const file = write('train-images-idx3-ubyte.gz', gzipSync(makeIdx([60000, 28, 28], new Uint8Array(1000))));
    assertBad(file, /: truncated: header says 47040000 bytes of data \(60000x28x28\), file has 1000$/);
  });

  test('extra data after the declared size is a wrong length', () => {
    assertBad(write('long', makeIdx([2, 2], new Uint8Array(5))), /wrong length: header says 4 bytes of data.*file has 5/);
  });

  test('a header cut short, an empty file and zero dimensions are rejected', () => {
    assertBad(write('short-header', Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1])), /truncated: header of 3 dimensions needs 16 bytes, file has 8/);
    assertBad(write('empty', new Uint8Array(0)), /truncated: 0 bytes/);
    assertBad(write('zero-dims', Uint8Array.from([0, 0, 8, 0])), /0 dimensions/);
  });

  test('wrong magic and unsupported dtypes are named', () => {
    assertBad(write('zip', Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0])), /not an IDX file: magic 50 4b 03 04/);
    assertBad(write('float', Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0])), /unsupported IDX dtype 0x0d \(float32\)/);
  });

  test('gzip garbage and a cut gzip stream are corrupt gzip data', () => {
    assertBad(write('garbage.gz', Uint8Array.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8])), /corrupt gzip data/);
    const gz = gzipSync(makeIdx([100, 28, 28], new Uint8Array(78400).fill(7)));
    assertBad(write('cut.gz', gz.subarray(0, gz.length >> 1)), /corrupt gzip data/);
  });

  test('a missing file is a DataError naming it', () => {
    assertBad(join(dir, 'does-not-exist-idx1-ubyte'), /cannot read: ENOENT/);
  });
});
