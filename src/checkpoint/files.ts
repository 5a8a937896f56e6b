// File-system helpers for checkpoints: durable writes (fsync), directory sync, hashing, path checks.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import * as path from 'node:path';

/**
 * Writes `bytes` to `file` and fsyncs it before closing, so that a rename published after this call
 * never points at data still sitting in the page cache. `flag` 'wx' refuses to replace a file.
 */
export async function writeFileDurable(file: string, bytes: Uint8Array | string, flag: 'w' | 'wx' = 'wx'): Promise<void> {
  const fh = await open(file, flag);
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Fsyncs a directory so that the entries created or renamed in it survive a crash. Some platforms and
 * file systems (Windows, some network mounts) cannot fsync a directory; there it is best effort.
 */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP', 'EACCES'].includes(code ?? '')) throw err;
  } finally {
    await fh?.close();
  }
}

/** Every regular file under `dir`, as sorted POSIX-style relative paths ('G/model.json'). */
export async function listFilesRecursive(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFilesRecursive(path.join(dir, entry.name), rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

/** Every directory under `dir` (deepest first), for fsyncing a freshly written tree bottom-up. */
export async function listDirsRecursive(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      const sub = path.join(dir, entry.name);
      out.push(...(await listDirsRecursive(sub)), sub);
    }
  }
  return out;
}

/** SHA-256 (hex) and byte size of a file, streamed so large weight files are not held in memory twice. */
export async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * True for a relative POSIX path that stays inside its folder ('G/weights.bin'): paths come from
 * manifest.json and model.json, which may be hand-edited or hostile, so '..', absolute paths and
 * backslashes are refused before anything is read.
 */
export function isSafeRelativePath(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** Copies `bytes` into a fresh, exactly sized ArrayBuffer (Buffers may share a larger pooled one). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}
