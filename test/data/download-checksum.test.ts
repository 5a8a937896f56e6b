// downloadDataset against a local HTTP mirror serving synthetic IDX files: verify, place atomically, skip, fail clearly.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../src/errors.js';
import { DOWNLOAD_FILES, downloadDataset, loadDataset, type DownloadFile } from '../../src/data/index.js';
import { makeIdx, syntheticImages, syntheticLabels } from './fixtures/make-idx.js';

const root = mkdtempSync(join(tmpdir(), 'ganymede-download-'));
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

// The mirror's files: a 12-image train split and an 8-image test split.
const served = new Map<string, Uint8Array>([
  ['train-images-idx3-ubyte.gz', gzipSync(makeIdx([12, 28, 28], syntheticImages(12)))],
  ['train-labels-idx1-ubyte.gz', gzipSync(makeIdx([12], syntheticLabels(12)))],
  ['t10k-images-idx3-ubyte.gz', gzipSync(makeIdx([8, 28, 28], syntheticImages(8)))],
  ['t10k-labels-idx1-ubyte.gz', gzipSync(makeIdx([8], syntheticLabels(8)))],
]);
const checksums = Object.fromEntries([...served].map(([name, bytes]) => [name, sha256(bytes)])) as Record<DownloadFile, string>;
const requests: string[] = [];
let server: Server;
let mirror: string;

before(async () => {
  server = createServer((req, res) => {
    const name = (req.url ?? '').replace(/^\/mirror\//, '');
    requests.push(name);
    const body = served.get(name);
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/octet-stream' }).end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mirror/`; // trailing slash on purpose
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
const freshDir = (): string => join(root, `dest-${n++}`);

describe('downloadDataset', () => {
  test('fetches, verifies and places the four files, which then load as the mnist source', async () => {
    const dir = freshDir();
    requests.length = 0;
    const paths = await downloadDataset({ source: 'mnist', mirror, dir, checksums });
    assert.deepEqual(paths, DOWNLOAD_FILES.map((f) => join(dir, f)));
    assert.deepEqual(requests, [...DOWNLOAD_FILES]);
    for (const file of DOWNLOAD_FILES) assert.ok(readFileSync(join(dir, file)).equals(served.get(file)!));
    assert.deepEqual(readdirSync(dir).sort(), [...DOWNLOAD_FILES].sort(), 'no temp files left');
    const test = await loadDataset({ source: 'mnist', dir, split: 'test' });
    assert.equal(test.count, 8);
  });

  test('verified files already there are not fetched again; a damaged one is replaced', async () => {
    const dir = freshDir();
    await downloadDataset({ source: 'fashion-mnist', mirror, dir, checksums });
    requests.length = 0;
    await downloadDataset({ source: 'fashion-mnist', mirror, dir, checksums });
    assert.deepEqual(requests, []);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), 'damaged');
    await downloadDataset({ source: 'fashion-mnist', mirror, dir, checksums });
    assert.deepEqual(requests, ['t10k-labels-idx1-ubyte.gz']);
    assert.ok(readFileSync(join(dir, 't10k-labels-idx1-ubyte.gz')).equals(served.get('t10k-labels-idx1-ubyte.gz')!));
  });

  test('a checksum mismatch names the file and both hashes, and writes nothing', async () => {
    const dir = freshDir();
    const wrong = '0'.repeat(64);
    const bad = { ...checksums, 'train-images-idx3-ubyte.gz': wrong };
    await assert.rejects(downloadDataset({ source: 'mnist', mirror, dir, checksums: bad }), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, /^train-images-idx3-ubyte\.gz: SHA-256 mismatch/);
      assert.ok(err.message.includes(wrong) && err.message.includes(checksums['train-images-idx3-ubyte.gz']));
      return true;
    });
    assert.deepEqual(readdirSync(dir), [], 'nothing at the destination');
  });

  test('the built-in checksums are the real ones, so synthetic files fail them', async () => {
    const dir = freshDir();
    await assert.rejects(downloadDataset({ source: 'mnist', mirror, dir }), /440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609/);
    assert.ok(!existsSync(join(dir, 'train-images-idx3-ubyte.gz')));
  });

  test('HTTP 404 and an unreachable mirror are clear errors naming the URL', async () => {
    await assert.rejects(
      downloadDataset({ source: 'mnist', mirror: mirror.replace('/mirror/', '/elsewhere'), dir: freshDir(), checksums }),
      (err: unknown) => {
        assert.ok(err instanceof DataError);
        assert.match(err.message, /\/elsewhere\/train-images-idx3-ubyte\.gz: download failed: HTTP 404 Not Found$/);
        assert.match(err.hint ?? '', /mirror/);
        return true;
      },
    );
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      downloadDataset({ source: 'mnist', mirror: `http://127.0.0.1:${port}`, dir: freshDir(), checksums }),
      /127\.0\.0\.1:\d+\/train-images-idx3-ubyte\.gz: download failed: .*ECONNREFUSED/,
    );
  });

  test('uses an injected fetch', async () => {
    const seen: string[] = [];
    const fetchImpl: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response(served.get(String(input).split('/').pop() ?? ''));
    };
    await downloadDataset({ source: 'mnist', mirror: 'https://example.invalid/m', dir: freshDir(), checksums, fetchImpl });
    assert.deepEqual(seen, DOWNLOAD_FILES.map((f) => `https://example.invalid/m/${f}`));
  });
});
