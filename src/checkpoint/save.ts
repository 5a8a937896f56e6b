// Saving a checkpoint atomically (DESIGN.md §9): write a temp folder, fsync, rename into place, prune old ones.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { CheckpointError } from '../errors.js';
import { listDirsRecursive, syncDir, writeFileDurable } from './files.js';
import { fileIOHandler } from './io-handler.js';
import { canonicalJson } from './json.js';
import { CHECKPOINTS_DIR, TMP_PREFIX, checkName, checkStep, checkpointDirName, listCheckpoints } from './layout.js';
import { CONFIG_JSON, MANIFEST_JSON, META_JSON, buildManifest } from './manifest.js';
import { STATE_JSON, encodeState, type StateIndex } from './state.js';
import type { CheckpointData, SaveOptions } from './types.js';

/** Defaults of saveCheckpoint's options. */
export const defaultSaveOptions = { keep: 3, overwrite: false } as const;

/** A sibling name in `checkpoints/` that list/latest ignore (pid + random: several writers may coexist). */
function tmpName(kind: string, name: string): string {
  return `${TMP_PREFIX}${kind}${name}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Writes every file of the checkpoint into `dir` (which exists and is empty); the manifest goes last. */
async function writeContents(dir: string, data: CheckpointData): Promise<void> {
  const display = (f: string): string => path.join(dir, f);
  // Validate and serialize the JSON parts first: a bad config or meta fails before any weights are written.
  const configText = canonicalJson(data.config, `${CONFIG_JSON} (config)`);
  const metaText = canonicalJson({ step: data.step, meta: data.meta }, `${META_JSON} (meta)`);
  const netNames = Object.keys(data.networks).sort();
  netNames.forEach((name) => checkName(name, 'network'));
  const stateIndex: StateIndex = {};
  const stateFiles: { file: string; bytes: Uint8Array }[] = [];
  for (const key of Object.keys(data.state).sort()) {
    const { bytes, index } = encodeState(key, data.state[key]!);
    stateIndex[key] = index;
    stateFiles.push({ file: index.file, bytes });
  }
  for (const name of netNames) await data.networks[name]!.save(fileIOHandler(path.join(dir, name)));
  for (const { file, bytes } of stateFiles) await writeFileDurable(display(file), bytes);
  await writeFileDurable(display(STATE_JSON), canonicalJson(stateIndex, STATE_JSON));
  await writeFileDurable(display(META_JSON), metaText);
  await writeFileDurable(display(CONFIG_JSON), configText);
  await writeFileDurable(display(MANIFEST_JSON), await buildManifest(dir, data.step));
  for (const sub of await listDirsRecursive(dir)) await syncDir(sub);
  await syncDir(dir);
}

/** Renames the finished temp folder to its final name, refusing (or, with overwrite, replacing) an existing one. */
async function publish(tmp: string, final: string, overwrite: boolean): Promise<void> {
  const root = path.dirname(final);
  if (!existsSync(final)) {
    try {
      await rename(tmp, final);
      return;
    } catch (err) {
      // Another writer got there between the check and the rename.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  }
  if (!overwrite) throw alreadyExists(final);
  // Move the old one aside first, so the final name always holds a complete checkpoint or none.
  const old = path.join(root, tmpName('old-', path.basename(final)));
  await rename(final, old);
  await rename(tmp, final);
  await rm(old, { recursive: true, force: true });
}

function alreadyExists(final: string): CheckpointError {
  return new CheckpointError(`${final}: already exists; refusing to overwrite it`, {
    hint: 'resume from it, remove it, or save with { overwrite: true }',
  });
}

/** Deletes all but the `keep` highest-step checkpoints, never the one just written. */
async function prune(runDir: string, justWritten: number, keep: number): Promise<void> {
  const all = listCheckpoints(runDir);
  const victims = all.slice(0, Math.max(0, all.length - keep)).filter((c) => c.step !== justWritten);
  for (const victim of victims) {
    // Rename first: a crash mid-delete then leaves an ignored temp folder, never a half-deleted step-XXXXXX.
    const doomed = path.join(path.dirname(victim.dir), tmpName('del-', path.basename(victim.dir)));
    try {
      await rename(victim.dir, doomed);
      await rm(doomed, { recursive: true, force: true });
    } catch (err) {
      throw new CheckpointError(`${victim.dir}: could not remove this old checkpoint (${(err as Error).message})`, {
        hint: 'the new checkpoint was saved; check the permissions of the checkpoints folder',
        cause: err,
      });
    }
  }
}

/**
 * Saves a checkpoint to `<runDir>/checkpoints/step-XXXXXX/` and returns that folder. Everything is written
 * to a temp folder next to it, fsynced, and renamed into place, so a crash leaves either the complete
 * checkpoint or an ignored `.tmp-*` folder. An existing checkpoint of the same step is a CheckpointError
 * (left untouched) unless `overwrite`. Afterwards only the `keep` (default 3) highest steps are kept,
 * plus always the one just written. Reads the networks' weights but does not change them.
 */
export async function saveCheckpoint(runDir: string, data: CheckpointData, options: SaveOptions = {}): Promise<string> {
  const { keep, overwrite } = { ...defaultSaveOptions, ...options };
  checkStep(data.step, 'saveCheckpoint');
  if (!(keep === Infinity || (Number.isSafeInteger(keep) && keep >= 1))) {
    throw new CheckpointError(`saveCheckpoint: keep must be a whole number >= 1 or Infinity, got ${keep}`);
  }
  const root = path.join(runDir, CHECKPOINTS_DIR);
  const name = checkpointDirName(data.step);
  const final = path.join(root, name);
  await mkdir(root, { recursive: true });
  // Checked up front too, so a refused save does not first spend time writing weights.
  if (!overwrite && existsSync(final)) throw alreadyExists(final);
  const tmp = await mkdtemp(path.join(root, `${TMP_PREFIX}${name}-${process.pid}-`));
  try {
    await writeContents(tmp, data);
    await publish(tmp, final, overwrite);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await syncDir(root);
  await prune(runDir, data.step, keep);
  return final;
}
