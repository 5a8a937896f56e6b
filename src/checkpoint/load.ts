// Loading a checkpoint (DESIGN.md §9): verify the manifest's checksums, check the config, read networks and state.
import * as tf from '@tensorflow/tfjs';
import { readFile, rename } from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import { CheckpointError } from '../errors.js';
import { fileIOHandler, MODEL_JSON } from './io-handler.js';
import { canonicalJson, firstDifference, readJsonFile, showValue } from './json.js';
import { checkName, listCheckpoints, parseCheckpointDirName } from './layout.js';
import { CONFIG_JSON, META_JSON, readVerifiedManifest, zodProblem, type Manifest } from './manifest.js';
import { STATE_JSON, decodeState, stateIndexSchema } from './state.js';
import type { LoadOptions, LoadedCheckpoint, NamedArray } from './types.js';

const metaSchema = z.object({
  step: z.number().int().nonnegative(),
  meta: z.record(z.string(), z.unknown()),
});

async function readMeta(dir: string, manifest: Manifest): Promise<z.infer<typeof metaSchema>> {
  const display = path.join(dir, META_JSON);
  const parsed = metaSchema.safeParse(await readJsonFile(display, display));
  if (!parsed.success) throw new CheckpointError(`${display}: malformed: ${zodProblem(parsed.error)}`);
  const { step } = parsed.data;
  if (step !== manifest.step) throw new CheckpointError(`${display}: step ${step}, but ${path.join(dir, 'manifest.json')} says ${manifest.step}`);
  // A renamed or copied folder would otherwise resume at a step its name contradicts.
  const named = parseCheckpointDirName(path.basename(path.resolve(dir)));
  if (named !== undefined && named !== step) throw new CheckpointError(`${display}: step ${step}, but the folder is named for step ${named}`);
  return parsed.data;
}

/** Throws a CheckpointError naming the first key path where the saved config and `expected` differ. */
function checkConfig(dir: string, saved: unknown, expected: unknown): void {
  // The same JSON round trip the saved config went through, so undefined keys and key order do not count.
  const now: unknown = JSON.parse(canonicalJson(expected, 'expectConfig'));
  const diff = firstDifference(saved, now);
  if (diff === undefined) return;
  throw new CheckpointError(
    `${path.join(dir, CONFIG_JSON)}: config differs at ${diff.path}: checkpoint ${showValue(diff.a)}, now ${showValue(diff.b)}`,
    { hint: 'resume with the config the run was started with, or start a new run' },
  );
}

async function readState(dir: string, manifest: Manifest): Promise<Record<string, NamedArray[]>> {
  const display = path.join(dir, STATE_JSON);
  const parsed = stateIndexSchema.safeParse(await readJsonFile(display, display));
  if (!parsed.success) throw new CheckpointError(`${display}: malformed: ${zodProblem(parsed.error)}`);
  const listed = new Set(manifest.files.map((f) => f.path));
  const state: Record<string, NamedArray[]> = {};
  for (const [key, index] of Object.entries(parsed.data)) {
    checkName(key, `${display}: state key`);
    const file = path.join(dir, index.file);
    // Only files the manifest lists were checksummed; anything else could be stale or foreign.
    if (!listed.has(index.file)) throw new CheckpointError(`${display}: ${index.file} is not listed in manifest.json`);
    state[key] = decodeState(key, await readFile(file), index, file);
  }
  return state;
}

async function readNetworks(dir: string, manifest: Manifest): Promise<Record<string, tf.LayersModel>> {
  const names = manifest.files.map((f) => /^([^/]+)\/model\.json$/.exec(f.path)?.[1]).filter((n) => n !== undefined);
  const networks: Record<string, tf.LayersModel> = {};
  try {
    for (const name of names) {
      try {
        networks[name] = await tf.loadLayersModel(fileIOHandler(path.join(dir, name)));
      } catch (err) {
        if (err instanceof CheckpointError) throw err;
        throw new CheckpointError(`${path.join(dir, name, MODEL_JSON)}: cannot be loaded as a LayersModel (${(err as Error).message})`, {
          cause: err,
        });
      }
    }
  } catch (err) {
    // Do not leak the variables of the networks already built.
    Object.values(networks).forEach((m) => m.dispose());
    throw err;
  }
  return networks;
}

/**
 * Loads the checkpoint in `dir` after verifying every file against manifest.json (a missing, truncated
 * or altered file is a CheckpointError naming it). With `expectConfig`, the saved config must deep-equal
 * it, else a CheckpointError names the first differing key path. Only reads; the caller owns (and
 * disposes) the returned networks.
 */
export async function loadCheckpoint(dir: string, options: LoadOptions = {}): Promise<LoadedCheckpoint> {
  const manifest = await readVerifiedManifest(dir);
  const { step, meta } = await readMeta(dir, manifest);
  const configDisplay = path.join(dir, CONFIG_JSON);
  const config = await readJsonFile(configDisplay, configDisplay);
  if (options.expectConfig !== undefined) checkConfig(dir, config, options.expectConfig);
  const state = await readState(dir, manifest);
  const networks = await readNetworks(dir, manifest);
  return { dir, step, config, networks, state, meta };
}

/**
 * Loads the newest checkpoint of a run that passes verification, newest first: a corrupt or half-written
 * one is skipped in favour of the one before it, and then set aside as `step-XXXXXX.corrupt-<time>` (kept for
 * a post-mortem, never overwritten, no longer listed) so that the resumed run can write that step again;
 * `onSkip` is told where each went. When none verifies, nothing is moved and the newest one's error is thrown.
 * Undefined when the run has no checkpoint at all.
 */
export async function loadNewestValid(runDir: string, onSkip: (dir: string, err: CheckpointError, movedTo: string) => void): Promise<LoadedCheckpoint | undefined> {
  const skipped: { dir: string; err: CheckpointError }[] = [];
  for (const { dir } of listCheckpoints(runDir).reverse()) {
    try {
      const loaded = await loadCheckpoint(dir);
      for (const s of skipped) {
        const movedTo = `${s.dir}.corrupt-${Date.now()}`;
        await rename(s.dir, movedTo);
        onSkip(s.dir, s.err, movedTo);
      }
      return loaded;
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      skipped.push({ dir, err });
    }
  }
  if (skipped.length > 0) {
    const newest = skipped[0].err;
    throw new CheckpointError(newest.message, { hint: skipped.length > 1 ? `none of the run's ${skipped.length} checkpoints verifies` : newest.hint });
  }
  return undefined;
}
