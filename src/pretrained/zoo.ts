// The model zoo: checkpoints the project trains itself with its own recipes, committed under zoo/ with a
// manifest (zoo/zoo.json) giving each entry's recipe, command, steps, metrics and the SHA-256 of every file.
// Entries are ordinary checkpoint folders holding the networks only (no optimizer state: they are for
// sampling and warm starts, never for --resume), so `sample` and `--init-from` read them like any other.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { hashFile, isSafeRelativePath, listFilesRecursive } from '../checkpoint/files.js';
import { verifyCheckpoint } from '../checkpoint/index.js';
import { CheckpointError, UsageError } from '../errors.js';

/** The repository's zoo folder (dist/src/pretrained -> the package root's zoo/); GANYMEDE_ZOO overrides it. */
export function zooRoot(): string {
  return process.env.GANYMEDE_ZOO ?? fileURLToPath(new URL('../../../zoo/', import.meta.url));
}
export const ZOO_MANIFEST = 'zoo.json';

const fileSchema = z.strictObject({ path: z.string(), size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const entrySchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  description: z.string(),
  /** The recipe file the entry was trained with, and the exact command. */
  recipe: z.string(),
  command: z.string(),
  steps: z.number().int().nonnegative(),
  /** Measured at the end of training (e.g. losses of the last step, test ELBO). */
  metrics: z.record(z.string(), z.number()),
  /** The checkpoint folder, relative to zoo/. */
  dir: z.string(),
  files: z.array(fileSchema).min(1),
});
const manifestSchema = z.strictObject({ format: z.literal('ganymede-zoo'), version: z.literal(1), entries: z.array(entrySchema) });
export type ZooEntry = z.infer<typeof entrySchema>;
export type ZooManifest = z.infer<typeof manifestSchema>;

export function readZooManifest(root = zooRoot()): ZooManifest {
  const file = path.join(root, ZOO_MANIFEST);
  if (!existsSync(file)) return { format: 'ganymede-zoo', version: 1, entries: [] };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CheckpointError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckpointError(`${file}: malformed at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function zooEntry(name: string, root = zooRoot()): ZooEntry {
  const m = readZooManifest(root);
  const entry = m.entries.find((e) => e.name === name);
  if (!entry) throw new UsageError(`zoo:${name}: no such zoo model (the zoo has ${m.entries.map((e) => e.name).join(', ') || 'none'})`, { hint: 'ganymede zoo list' });
  return entry;
}

/** The checkpoint folder of `zoo:<name>`, or undefined when `target` does not start with `zoo:`. */
export function resolveZooTarget(target: string, root = zooRoot()): string | undefined {
  if (!target.startsWith('zoo:')) return undefined;
  const entry = zooEntry(target.slice(4), root);
  return entryDir(entry, root);
}

function entryDir(entry: ZooEntry, root: string): string {
  if (!isSafeRelativePath(entry.dir)) throw new CheckpointError(`${path.join(root, ZOO_MANIFEST)}: entry ${entry.name}: bad dir ${JSON.stringify(entry.dir)}`);
  return path.join(root, ...entry.dir.split('/'));
}

/**
 * Checks an entry's files against the zoo manifest (the exact list, sizes and SHA-256) and the checkpoint
 * against its own manifest.json. Throws a CheckpointError naming the first bad file.
 */
export async function verifyZooEntry(entry: ZooEntry, root = zooRoot()): Promise<string> {
  const dir = entryDir(entry, root);
  if (!existsSync(dir)) throw new CheckpointError(`zoo:${entry.name}: ${dir} is missing`);
  const present = await listFilesRecursive(dir);
  const listed = entry.files.map((f) => f.path).sort();
  if (present.join('\n') !== listed.join('\n')) {
    const extra = present.filter((p) => !listed.includes(p));
    const missing = listed.filter((p) => !present.includes(p));
    throw new CheckpointError(`zoo:${entry.name}: files differ from ${ZOO_MANIFEST} (missing: ${missing.join(', ') || 'none'}; unlisted: ${extra.join(', ') || 'none'})`);
  }
  for (const f of entry.files) {
    const { size, sha256 } = await hashFile(path.join(dir, ...f.path.split('/')));
    if (size !== f.size || sha256 !== f.sha256) {
      throw new CheckpointError(`zoo:${entry.name}: ${f.path}: sha256 ${sha256.slice(0, 16)}... (${size} bytes) does not match ${ZOO_MANIFEST}'s ${f.sha256.slice(0, 16)}... (${f.size} bytes)`);
    }
  }
  await verifyCheckpoint(dir);
  return dir;
}

/** Copies a verified zoo entry to `out` (new or empty): a checkpoint folder for sample, export and --init-from. */
export async function getZooEntry(name: string, out: string, root = zooRoot()): Promise<string> {
  const entry = zooEntry(name, root);
  if (existsSync(out) && readdirSync(out).length > 0) throw new UsageError(`${out} is not empty; nothing was written`, { hint: 'choose another --out' });
  const dir = await verifyZooEntry(entry, root);
  mkdirSync(out, { recursive: true });
  cpSync(dir, out, { recursive: true });
  await verifyCheckpoint(out);
  return out;
}

/** The file list of a checkpoint folder as the zoo manifest records it. */
export async function zooFiles(dir: string): Promise<ZooEntry['files']> {
  const out: ZooEntry['files'] = [];
  for (const rel of await listFilesRecursive(dir)) out.push({ path: rel, ...(await hashFile(path.join(dir, ...rel.split('/')))) });
  return out;
}
