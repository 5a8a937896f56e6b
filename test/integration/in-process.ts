// Trains in this process: the real coordinator and N real workers over ZeroMQ inproc:// (DESIGN.md §2 allows tests
// to place workers in the same process), for test matrices too large to pay a process start-up per run.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { loadCheckpoint, latestCheckpoint } from '../../src/checkpoint/index.js';
import type { Config } from '../../src/config/index.js';
import { RunDir } from '../../coordinator/run-dir.js';
import { runCoordinator } from '../../coordinator/run.js';
import type { TrainOptions, TrainResult } from '../../coordinator/trainer.js';
import { Worker } from '../../worker/worker.js';

const log = pino({ level: 'silent' });

/** Trains `config` with `workers` in-process workers into `dir` (new), or resumes the run in `dir`. */
export async function trainInProcess(
  config: Readonly<Config>, workers: number, dir: string, resume = false, onRound?: TrainOptions['onRound'],
): Promise<TrainResult> {
  const run = resume ? RunDir.open(dir) : RunDir.create(dir);
  if (!resume) writeFileSync(path.join(dir, 'config.yaml'), JSON.stringify(config));
  const checkpoint = resume ? await loadCheckpoint(latestCheckpoint(dir)!) : undefined;
  const token = randomBytes(8).toString('hex');
  const runs: Promise<void>[] = [];
  try {
    return await runCoordinator({
      config: { ...config, cluster: { ...config.cluster, workers } },
      run, spawn: false, bind: `inproc://ganymede-${randomBytes(6).toString('hex')}`, token, log, resume: checkpoint, onRound,
      onListening: (endpoint) => {
        for (let rank = 0; rank < workers; rank++) runs.push(new Worker({ coordinator: endpoint, rank, token, log }).run());
      },
    });
  } finally {
    await Promise.allSettled(runs); // the coordinator shut them down, after success or failure
  }
}
