// Turns train/coordinator flags into a run: a resolved config and a run folder, new or resumed. Everything is
// validated before anything is written, so a bad flag never leaves or alters a folder.
import path from 'node:path';
import type { Logger } from 'pino';
import { loadCheckpoint, loadNewestValid, type LoadedCheckpoint } from '../checkpoint/index.js';
import { applyOverrides, isResumable, loadConfig, RESUMABLE_KEYS, resolveConfig, resultDifference, type Config } from '../config/index.js';
import { CheckpointError, ConfigError, UsageError } from '../errors.js';
import { existsSync, writeFileSync } from 'node:fs';
import { initBackend } from '../backend/index.js';
import { RunDir } from '../../coordinator/run-dir.js';
import { loadRunData, type RunData } from '../../coordinator/run.js';
import { prepareWarmStart, type WarmStartFlags } from '../pretrained/init-run.js';
import type { WarmStartPlan } from '../pretrained/warm-start.js';
import { checkFreeze } from '../train/freeze.js';
import { checkStageNetworks } from '../train/stage-networks.js';

export interface RunFlags extends WarmStartFlags {
  config?: string;
  set?: string[];
  workers?: number;
  backend?: string;
  out?: string;
  resume?: string;
}

function overridesOf(flags: RunFlags): string[] {
  const sets = [...(flags.set ?? [])];
  if (flags.workers !== undefined) {
    if (!Number.isInteger(flags.workers) || flags.workers < 1) throw new UsageError(`--workers ${flags.workers}: must be a whole number of at least 1`);
    sets.push(`cluster.workers=${flags.workers}`);
  }
  if (flags.backend !== undefined) sets.push(`backend=${flags.backend}`);
  return sets;
}

export interface PreparedRun {
  config: Readonly<Config>;
  run: RunDir;
  data: RunData;
  resume?: LoadedCheckpoint;
  /** --init-from: the weights the new run starts from (applied to the fresh master state). */
  warm?: WarmStartPlan;
}

export async function prepareRun(flags: RunFlags, log?: Logger): Promise<PreparedRun> {
  const sets = overridesOf(flags);
  if (flags.resume) return resumeRun(flags.resume, flags, sets, log);
  const config = loadConfig(flags.config, sets);
  // A missing backend or bad data fails here, before any folder exists.
  await initBackend(config.backend);
  const data = await loadRunData(config);
  // A bad or mismatched --init-from fails here too, before any folder exists.
  const warm = await prepareWarmStart(flags, config, data.data);
  checkFreeze(config, { height: data.data.height, width: data.data.width, channels: data.data.channels }, flags.config); // freeze: names known
  checkStageNetworks(config, { height: data.data.height, width: data.data.width, channels: data.data.channels }, flags.config);
  const dir = flags.out ?? RunDir.freeName('runs', config.name);
  const run = RunDir.create(dir);
  run.writeConfig(config);
  if (warm) writeFileSync(run.file('init.json'), JSON.stringify(warm.report, null, 2) + '\n');
  return { config, run, data, warm };
}

/**
 * A checkpoint's config as today's schema reads it: keys added to the schema since the checkpoint was written
 * take their defaults, which by the schema's rule reproduce the behaviour from before the key existed. A
 * config today's schema rejects is compared as it was written (the difference then names the key).
 */
function withTodaysDefaults(saved: unknown, dir: string): unknown {
  try {
    return resolveConfig(saved as Parameters<typeof resolveConfig>[0], path.join(dir, 'config.json'));
  } catch (err) {
    if (err instanceof ConfigError) return saved;
    throw err;
  }
}

async function resumeRun(target: string, flags: RunFlags, sets: string[], log?: Logger): Promise<PreparedRun> {
  if (flags.initFrom) throw new UsageError('--resume continues a run exactly; --init-from starts a new one from its weights: use one of them');
  if (flags.config || flags.out) throw new UsageError('--resume takes its config and folder from the run; drop --config/--out');
  // Either a run folder (its latest checkpoint) or one checkpoint folder inside it.
  const isCheckpoint = existsSync(path.join(target, 'manifest.json'));
  const runDir = isCheckpoint ? path.dirname(path.dirname(target)) : target;
  const run = RunDir.open(runDir);
  for (const s of sets) {
    const key = s.slice(0, s.indexOf('='));
    if (!isResumable(key)) {
      throw new ConfigError(`--set ${key}: cannot change when resuming (it would change the result); allowed: ${RESUMABLE_KEYS.join(', ')}`);
    }
  }
  const config = resolveConfig(applyOverrides(run.readConfig(), sets), run.file('config.yaml'));
  await initBackend(config.backend);
  const data = await loadRunData(config);
  // A run folder resumes from its newest valid checkpoint: one left corrupt by a crash is skipped, loudly.
  const resume = isCheckpoint
    ? await loadCheckpoint(target)
    : await loadNewestValid(runDir, (skipped, err, movedTo) => log?.warn({ checkpoint: skipped, err: err.message, movedTo }, 'skipping a corrupt checkpoint (set aside)'));
  if (!resume) throw new CheckpointError(`${runDir}: no checkpoint to resume from`);
  const dir = resume.dir;
  const diff = resultDifference(withTodaysDefaults(resume.config, dir), config);
  if (diff) {
    for (const net of Object.values(resume.networks)) net.dispose();
    throw new CheckpointError(`${dir}: config differs at ${diff.path}: checkpoint ${JSON.stringify(diff.a)}, now ${JSON.stringify(diff.b)}`);
  }
  run.truncateMetricsAfter(resume.step);
  run.writeConfig(config); // record the new length / cluster settings
  return { config, run, data, resume };
}
