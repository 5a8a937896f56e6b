// manifest.json: every other file of a checkpoint with its byte size and SHA-256 (DESIGN.md §9, §10),
// written last when saving and checked first when loading.
import { lstat } from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import { CheckpointError } from '../errors.js';
import { hashFile, isSafeRelativePath, listFilesRecursive } from './files.js';
import { canonicalJson, readJsonFile } from './json.js';
import { STATE_JSON } from './state.js';

export const MANIFEST_JSON = 'manifest.json';
export const META_JSON = 'meta.json';
export const CONFIG_JSON = 'config.json';
/** Identifies the file kind; the version goes up when the layout changes incompatibly. */
export const MANIFEST_FORMAT = 'ganymede-checkpoint';
export const MANIFEST_VERSION = 1;

const manifestSchema = z.object({
  format: z.string(),
  version: z.number().int(),
  step: z.number().int().nonnegative(),
  files: z.array(
    z.object({
      path: z.string(),
      size: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
    }),
  ),
});
/** Parsed manifest.json. */
export type Manifest = z.infer<typeof manifestSchema>;

/**
 * Hashes every file under `dir` (manifest.json itself excepted) and returns the manifest's text.
 * It holds only relative paths, sizes and hashes, so equal content in two run folders gives equal bytes.
 */
export async function buildManifest(dir: string, step: number): Promise<string> {
  const files: Manifest['files'] = [];
  for (const rel of await listFilesRecursive(dir)) {
    if (rel === MANIFEST_JSON) continue;
    files.push({ path: rel, ...(await hashFile(path.join(dir, ...rel.split('/')))) });
  }
  const manifest: Manifest = { format: MANIFEST_FORMAT, version: MANIFEST_VERSION, step, files };
  return canonicalJson(manifest, path.join(dir, MANIFEST_JSON));
}

/** Formats the first zod issue as "key.path: message". */
export function zodProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  const where = issue.path.map(String).join('.');
  return where === '' ? issue.message : `${where}: ${issue.message}`;
}

async function readManifest(dir: string): Promise<Manifest> {
  const display = path.join(dir, MANIFEST_JSON);
  const dirStat = await lstat(dir).catch(() => undefined);
  if (dirStat === undefined || !dirStat.isDirectory()) throw new CheckpointError(`${dir}: no such checkpoint folder`);
  // Checked apart from other read errors: a folder without a manifest is a write that never finished.
  if ((await lstat(display).catch(() => undefined)) === undefined) {
    throw new CheckpointError(`${display}: missing: not a complete checkpoint`, {
      hint: 'a checkpoint is complete only once its manifest is written; use another checkpoint',
    });
  }
  const json = await readJsonFile(display, display);
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new CheckpointError(`${display}: malformed: ${zodProblem(parsed.error)}`);
  const m = parsed.data;
  if (m.format !== MANIFEST_FORMAT) throw new CheckpointError(`${display}: format is ${JSON.stringify(m.format)}, expected "${MANIFEST_FORMAT}"`);
  if (m.version !== MANIFEST_VERSION) {
    throw new CheckpointError(`${display}: format version ${m.version}, this build reads version ${MANIFEST_VERSION}`, {
      hint: m.version > MANIFEST_VERSION ? 'the checkpoint was written by a newer ganymede' : undefined,
    });
  }
  const seen = new Set<string>();
  for (const f of m.files) {
    if (!isSafeRelativePath(f.path) || f.path === MANIFEST_JSON) throw new CheckpointError(`${display}: bad file path ${JSON.stringify(f.path)}`);
    if (seen.has(f.path)) throw new CheckpointError(`${display}: ${f.path} is listed twice`);
    seen.add(f.path);
  }
  for (const required of [META_JSON, CONFIG_JSON, STATE_JSON]) {
    if (!seen.has(required)) throw new CheckpointError(`${display}: does not list ${required}`);
  }
  return m;
}

/** Checks one listed file: present, a regular file, of the listed size, with the listed SHA-256. */
async function verifyFile(dir: string, file: Manifest['files'][number]): Promise<void> {
  const full = path.join(dir, ...file.path.split('/'));
  const st = await lstat(full).catch(() => undefined);
  if (st === undefined) throw new CheckpointError(`${full}: missing (listed in ${MANIFEST_JSON})`);
  if (!st.isFile()) throw new CheckpointError(`${full}: not a regular file`);
  if (st.size !== file.size) {
    throw new CheckpointError(`${full}: ${st.size < file.size ? 'truncated' : 'too long'}: ${st.size} of ${file.size} bytes`);
  }
  const { size, sha256 } = await hashFile(full);
  if (size !== file.size) throw new CheckpointError(`${full}: changed while being read (${size} of ${file.size} bytes)`);
  if (sha256 !== file.sha256) {
    throw new CheckpointError(`${full}: altered: sha256 ${sha256.slice(0, 16)}... does not match the manifest's ${file.sha256.slice(0, 16)}...`);
  }
}

/**
 * Reads manifest.json and checks every file it lists (presence, size, SHA-256); returns the manifest.
 * Reads only: nothing in the checkpoint is touched.
 */
export async function readVerifiedManifest(dir: string): Promise<Manifest> {
  const manifest = await readManifest(dir);
  for (const file of manifest.files) await verifyFile(dir, file);
  return manifest;
}

/**
 * Verifies a checkpoint folder against its manifest: every listed file present, of the right size and
 * SHA-256. Throws a CheckpointError naming the first bad file and what is wrong with it.
 */
export async function verifyCheckpoint(dir: string): Promise<void> {
  await readVerifiedManifest(dir);
}
