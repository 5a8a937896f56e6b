// Reference features of a real split, cached per (dataset, folder, split, classifier hash): FID needs their
// statistics, KID and precision/recall the features themselves. Cache files live next to the embedded-MNIST cache.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Dataset } from '../data/index.js';
import { defaultCacheDirs } from '../data/index.js';
import { embed, type Embedding } from './classifier.js';
import type { LoadedClassifier } from './classifier-store.js';

const MAGIC = 'GNYMREF1';

/** The cache file name of a reference: readable parts plus a hash of the full key. */
export function referenceKey(data: Dataset, dir: string | undefined, classifierHash: string): string {
  const digest = createHash('sha256').update(JSON.stringify([data.name, dir ?? '', data.split, data.count, classifierHash])).digest('hex').slice(0, 16);
  return `ref-${data.name}-${data.split}-${classifierHash}-${digest}.f32`;
}

function encode(e: Embedding): Buffer {
  const head = Buffer.alloc(24);
  head.write(MAGIC, 0, 'latin1');
  [e.n, e.dim, e.classes].forEach((v, i) => head.writeUInt32LE(v, 8 + 4 * i));
  return Buffer.concat([head, Buffer.from(e.features.buffer, e.features.byteOffset, e.features.byteLength), Buffer.from(e.probs.buffer, e.probs.byteOffset, e.probs.byteLength)]);
}

function decode(bytes: Buffer): Embedding | undefined {
  if (bytes.length < 24 || bytes.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const [n, dim, classes] = [0, 1, 2].map((i) => bytes.readUInt32LE(8 + 4 * i));
  if (bytes.length !== 24 + 4 * n * (dim + classes)) return undefined;
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 24, bytes.byteOffset + bytes.length));
  return { n, dim, classes, features: all.subarray(0, n * dim), probs: all.subarray(n * dim) };
}

/** The classifier's embedding of every image of `data`, from the cache when present (a bad cache is recomputed). */
export function referenceEmbedding(data: Dataset, dir: string | undefined, clf: LoadedClassifier, cacheDirs = defaultCacheDirs()): Embedding {
  const name = referenceKey(data, dir, clf.info.hash);
  for (const d of cacheDirs) {
    try {
      const e = decode(readFileSync(path.join(d, name)));
      if (e) return e;
    } catch {
      // absent: try the next folder, then compute
    }
  }
  const e = embed(clf.model, data.images, data.count, data);
  const bytes = encode(e);
  for (const d of cacheDirs) {
    const tmp = path.join(d, `${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      mkdirSync(d, { recursive: true });
      writeFileSync(tmp, bytes);
      renameSync(tmp, path.join(d, name));
      break;
    } catch {
      rmSync(tmp, { force: true }); // a cache we cannot write is only slower
    }
  }
  return e;
}
