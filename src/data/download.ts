// `ganymede data download`: fetches the four IDX .gz files of MNIST or Fashion-MNIST from a mirror, SHA-256 checked.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { DOWNLOAD_FILES, SHA256, type DownloadFile, type IdxSource } from './idx-files.js';

/** What to download and where. */
export interface DownloadOptions {
  source: IdxSource;
  /** Base URL; each file is fetched from `${mirror}/${file}`. */
  mirror: string;
  /** The folder the files end up in (created if needed). */
  dir: string;
  /** The fetch to use (tests inject one; default: the global fetch). */
  fetchImpl?: typeof fetch;
  /** Expected SHA-256 per file, replacing the built-in ones (tests serve small synthetic files). */
  checksums?: Partial<Record<DownloadFile, string>>;
}

/**
 * Downloads the four files into `dir` and returns their paths. A file already there with the right SHA-256 is
 * kept; each fetched file is checked in memory and only then written to a temp file and renamed into place,
 * so `dir` never holds a partial or unverified file. Fails with a DataError naming the URL or file.
 */
export async function downloadDataset(opts: DownloadOptions): Promise<string[]> {
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  const mirror = opts.mirror.replace(/\/+$/, '');
  mkdirSync(opts.dir, { recursive: true });
  const paths: string[] = [];
  for (const file of DOWNLOAD_FILES) {
    const expected = (opts.checksums?.[file] ?? SHA256[opts.source][file]).toLowerCase();
    const dest = join(opts.dir, file);
    paths.push(dest);
    if (existsSync(dest) && sha256Hex(readFileSync(dest)) === expected) continue;
    const bytes = await fetchBytes(fetchImpl, `${mirror}/${file}`);
    const actual = sha256Hex(bytes);
    if (actual !== expected) {
      throw new DataError(`${file}: SHA-256 mismatch: expected ${expected}, downloaded ${actual} from ${mirror}/${file}`, {
        hint: 'the mirror serves a different file; try another --mirror',
      });
    }
    writeAtomically(dest, bytes);
  }
  return paths;
}

async function fetchBytes(fetchImpl: typeof fetch, url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchImpl(url);
  } catch (err) {
    const cause = (err as Error).cause as Error | undefined; // undici hides the reason (ECONNREFUSED, ...) here
    throw new DataError(`${url}: download failed: ${cause?.message ?? (err as Error).message}`, {
      cause: err,
      hint: 'check the --mirror URL and the network',
    });
  }
  if (!response.ok) {
    await response.body?.cancel(); // free the connection; the body of an error page is of no use
    throw new DataError(`${url}: download failed: HTTP ${response.status} ${response.statusText}`.trimEnd(), {
      hint: 'check the --mirror URL',
    });
  }
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    throw new DataError(`${url}: download failed while reading the body: ${(err as Error).message}`, { cause: err });
  }
}

function writeAtomically(dest: string, bytes: Uint8Array): void {
  const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, dest);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new DataError(`${dest}: cannot write: ${(err as Error).message}`, { cause: err });
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
