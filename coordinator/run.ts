// One coordinator run: load data, bind, admit (or spawn) workers, train, shut everything down, and turn any
// worker failure into an error rather than a hang.
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { initBackend } from '../src/backend/index.js';
import type { LoadedCheckpoint } from '../src/checkpoint/index.js';
import type { Config } from '../src/config/index.js';
import { loadDataset, type Dataset } from '../src/data/index.js';
import { modelFamily } from '../src/models/index.js';
import { InterruptedError } from '../src/errors.js';
import type { CurveServer } from '../src/protocol/curve.js';
import { Cluster } from './cluster.js';
import { LocalWorkers } from './local-workers.js';
import type { RunDir } from './run-dir.js';
import { RunLogs } from './run-logs.js';
import { train, type TrainOptions, type TrainResult } from './trainer.js';
import type { WarmStartPlan } from '../src/pretrained/warm-start.js';

export interface CoordinatorRunOptions {
  config: Readonly<Config>;
  run: RunDir;
  /** Spawn cluster.workers local worker processes (train), or wait for remote ones (coordinator). */
  spawn: boolean;
  /** Where to bind; default a fresh ipc:// endpoint in the temp folder. */
  bind?: string;
  token?: string;
  /** CURVE keys of the coordinator (cluster mode). */
  curve?: CurveServer;
  /** Backend for spawned workers, overriding the config's. */
  workerBackend?: string;
  resume?: LoadedCheckpoint;
  /** --init-from: the weights a new run starts from. */
  warm?: WarmStartPlan;
  /** The data, when the caller loaded it already (to fail on bad data before creating a run folder). */
  data?: RunData;
  /** Seconds to wait for all workers to join. */
  joinTimeout?: number;
  log: Logger;
  onStep?: (line: Record<string, number>) => void;
  onEvent?: (text: string) => void;
  onRound?: TrainOptions['onRound'];
  /** Called with the bound endpoint once workers can connect. */
  onListening?: (endpoint: string) => void;
}

export interface RunData {
  data: Dataset;
  /** The held-out split, for models evaluated on it (the VAE's ELBO). */
  testData?: Dataset;
}

/** Loads the run's training data (and test split when the model is evaluated on it). */
export async function loadRunData(config: Readonly<Config>): Promise<RunData> {
  const spec = { source: config.data.source, dir: config.data.dir };
  const data = await loadDataset({ ...spec, split: 'train' });
  const testData = modelFamily(config.model.family).kind === 'vae' ? await loadDataset({ ...spec, split: 'test' }) : undefined;
  return { data, testData };
}

export async function runCoordinator(opts: CoordinatorRunOptions): Promise<TrainResult> {
  const { config, log } = opts;
  const backend = await initBackend(config.backend);
  log.info({ backend: backend.name, reason: backend.reason }, 'coordinator backend');
  const { data, testData } = opts.data ?? (await loadRunData(config));
  log.info({ dataset: data.name, train: data.count, test: testData?.count }, 'data loaded');

  const ipc = opts.bind ? undefined : path.join(os.tmpdir(), `ganymede-${process.pid}-${randomBytes(4).toString('hex')}.ipc`);
  const token = opts.token ?? randomBytes(16).toString('hex');
  const logs = (opts.run.logs = new RunLogs(opts.run.dir));
  logs.event({ type: 'start', t: Date.now(), step: opts.resume?.step ?? 0 });
  const cluster = new Cluster({
    config, bind: opts.bind ?? `ipc://${ipc}`, token, log, curve: opts.curve,
    onMemberEvent: (e) => logs.event(e),
  });
  const endpoint = await cluster.start();
  opts.onListening?.(endpoint);
  const workers =
    opts.spawn
      ? new LocalWorkers({
          count: config.cluster.workers, endpoint, token, logDir: opts.run.file('logs'), backend: opts.workerBackend,
          maxRestarts: config.cluster.maxRestarts,
          onFailure: (err) => cluster.fail(err),
          onRestart: (message) => {
            log.warn(message);
            opts.onEvent?.(message);
          },
        })
      : undefined;
  const interrupt = (signal: NodeJS.Signals) =>
    cluster.fail(new InterruptedError(`interrupted by ${signal}`, { hint: `continue with: ganymede train --resume ${opts.run.dir}` }));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  let reason = 'training finished';
  let final = true;
  try {
    workers?.start();
    log.info({ endpoint, workers: cluster.expected }, 'waiting for workers');
    await cluster.waitForWorkers(opts.joinTimeout ?? 120);
    return await train({
      config, run: opts.run, cluster, data, testData, resume: opts.resume, warm: opts.warm, log, onStep: opts.onStep, onEvent: opts.onEvent,
      onRound: opts.onRound,
    });
  } catch (err) {
    reason = `the run failed: ${(err as Error).message}`;
    // The run is not over (evicted, interrupted, failed): remote workers wait for a successor coordinator
    // (`--resume`) up to cluster.reconnectTimeout, then exit non-zero, so that their Job does not complete.
    final = false;
    throw err;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await cluster.close(reason, final);
    await workers?.stop();
    if (ipc) rmSync(ipc, { force: true });
    logs.event({ type: 'end', t: Date.now(), message: reason });
    logs.close();
    opts.run.logs = undefined;
  }
}
