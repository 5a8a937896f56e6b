// Where checkpoints live in a run folder (DESIGN.md §9): <runDir>/checkpoints/step-XXXXXX/, and how to list them.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { CheckpointError } from '../errors.js';

/** The folder under a run dir that holds the checkpoints. */
export const CHECKPOINTS_DIR = 'checkpoints';

/** Prefix of folders being written (or left by a crashed writer); list/latest never see them. */
export const TMP_PREFIX = '.tmp-';

const STEP_DIR = /^step-(\d{6,})$/;

/** Names of networks and state keys become file names, so they are kept to a portable alphabet. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Throws unless `step` is a whole number of completed steps (>= 0). */
export function checkStep(step: unknown, what: string): asserts step is number {
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    throw new CheckpointError(`${what}: step must be a whole number >= 0, got ${String(step)}`);
  }
}

/** Folder name of the checkpoint after `step` completed steps: 42 -> 'step-000042' (wider past 999999). */
export function checkpointDirName(step: number): string {
  checkStep(step, 'checkpointDirName');
  return `step-${String(step).padStart(6, '0')}`;
}

/** The step a checkpoint folder name stands for, or undefined if it is not one ('step-0000042' is not). */
export function parseCheckpointDirName(name: string): number | undefined {
  const m = STEP_DIR.exec(name);
  if (m === null) return undefined;
  const step = Number(m[1]);
  return Number.isSafeInteger(step) && checkpointDirName(step) === name ? step : undefined;
}

/** Throws unless `name` (a network name or state key) is usable as a file name. */
export function checkName(name: string, what: string): void {
  if (!NAME.test(name)) {
    throw new CheckpointError(`${what} ${JSON.stringify(name)}: use letters, digits, '_' and '-' (starting with a letter or digit)`);
  }
}

/**
 * The checkpoints of a run, sorted by step. Only complete folders named `step-XXXXXX` count:
 * temp folders of writers in progress or crashed are skipped. A run without checkpoints gives [].
 */
export function listCheckpoints(runDir: string): { step: number; dir: string }[] {
  const root = path.join(runDir, CHECKPOINTS_DIR);
  let entries;
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CheckpointError(`${root}: cannot be listed (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  const out: { step: number; dir: string }[] = [];
  for (const entry of entries) {
    const step = entry.isDirectory() ? parseCheckpointDirName(entry.name) : undefined;
    if (step !== undefined) out.push({ step, dir: path.join(root, entry.name) });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** The folder of the run's highest-step checkpoint, or undefined when it has none. */
export function latestCheckpoint(runDir: string): string | undefined {
  return listCheckpoints(runDir).at(-1)?.dir;
}
