// `ganymede train` (coordinator in this process + N local worker processes) and `ganymede coordinator`
// (coordinator only; workers join over tcp): one training path either way (DESIGN.md §2).
import type { Argv } from 'yargs';
import { runCoordinator } from '../../../coordinator/run.js';
import { serverCurve } from '../../protocol/curve.js';
import { createLogger } from '../log.js';
import { createProgress } from '../progress.js';
import { prepareRun, type RunFlags } from '../run-setup.js';
import { startDashboard } from '../../report/dashboard.js';
import { describeWarmStart } from '../../pretrained/warm-start.js';

export function runFlags<T>(y: Argv<T>) {
  return y
    .option('config', { type: 'string', describe: 'YAML recipe (configs/*.yaml); default: the seed GAN' })
    .option('set', { type: 'string', array: true, describe: 'override a config key: --set train.steps=100 (repeatable)' })
    .option('workers', { type: 'number', describe: 'number of workers (cluster.workers)' })
    .option('backend', { type: 'string', describe: 'auto | tensorflow-gpu | tensorflow | wasm | cpu' })
    .option('out', { type: 'string', describe: 'run folder (default: runs/<name>, or runs/<name>-N if taken)' })
    .option('resume', { type: 'string', describe: 'continue a run folder (or one of its checkpoints) exactly' })
    .option('init-from', { type: 'string', describe: 'start a NEW run (step 0, fresh optimizer) from the weights of a checkpoint, run, export folder or zoo:<name>' })
    .option('init', { type: 'string', describe: 'with --init-from: networks to load, e.g. G,D or G,EMA (default: all it shares with this model)' })
    .option('strict', { type: 'boolean', describe: 'with --init-from: every weight must match by name and shape (the default)' })
    .option('partial', { type: 'boolean', describe: 'with --init-from: load the weights whose names and shapes match, report the rest' })
    .option('dashboard', { type: 'boolean', default: false, describe: 'serve the live HTML report on localhost while training' })
    .option('dashboard-port', { type: 'number', default: 8686, describe: 'port of --dashboard (0: any free port)' });
}

interface TrainArgs extends RunFlags {
  verbose?: boolean;
  bind?: string;
  joinTimeout?: number;
  dashboard?: boolean;
  dashboardPort?: number;
}

export async function trainCommand(args: TrainArgs, mode: 'local' | 'cluster'): Promise<void> {
  const log = createLogger({ verbose: args.verbose });
  // Keys are checked before anything is written.
  const curve = mode === 'cluster' ? serverCurve() : undefined;
  // The dashboard binds first (a busy port fails before any folder exists) and learns the run folder after.
  const named: { dir?: string } = {};
  const dashboard = args.dashboard ? await startDashboard(() => named.dir, args.dashboardPort ?? 8686) : undefined;
  const { config, run, data, resume, warm } = await prepareRun(args, log).catch(async (err: unknown) => {
    await dashboard?.close();
    throw err;
  });
  named.dir = run.dir;
  const start = resume?.step ?? 0;
  log.info({ run: run.dir, steps: config.train.steps, from: start, workers: config.cluster.workers }, resume ? 'resuming run' : 'starting run');
  if (warm) process.stderr.write(`${describeWarmStart(warm.report)}\n`);
  if (dashboard) process.stderr.write(`dashboard: ${dashboard.url} (the live report of ${run.dir})\n`);
  const progress = createProgress(config.train.steps, start);
  try {
    const result = await runCoordinator({
      config, run, resume, warm, data, log,
      spawn: mode === 'local',
      bind: mode === 'cluster' ? args.bind : undefined,
      token: mode === 'cluster' ? process.env.GANYMEDE_TOKEN ?? '' : undefined,
      curve,
      joinTimeout: args.joinTimeout,
      onStep: (line) => progress.step(line),
      onEvent: (text) => progress.event(text),
      onListening: (endpoint) => mode === 'cluster' && log.info({ endpoint }, 'coordinator listening'),
    });
    progress.stop();
    process.stdout.write(
      `done: ${result.steps} steps in ${run.dir}\n` +
        (result.lastSample ? `  last samples: ${result.lastSample}\n` : '') +
        (result.lastElbo !== undefined ? `  test ELBO: ${result.lastElbo.toFixed(2)} nats per sample\n` : '') +
        `  checkpoint:   ${result.checkpoint}\n`,
    );
  } finally {
    progress.stop();
    await dashboard?.close();
    for (const net of Object.values(resume?.networks ?? {})) net.dispose();
  }
}

export function registerTrain(y: Argv) {
  return y
    .command(
      'train',
      'train a model: coordinator here, N local worker processes over ZeroMQ',
      (c) => runFlags(c),
      (args) => trainCommand(args as TrainArgs, 'local'),
    )
    .command(
      'coordinator',
      'run only the coordinator; workers join with `ganymede worker` (clusters, Kubernetes)',
      (c) =>
        runFlags(c)
          .option('bind', { type: 'string', default: process.env.GANYMEDE_BIND ?? 'tcp://0.0.0.0:5555', describe: 'ZeroMQ endpoint to bind' })
          .option('join-timeout', { type: 'number', default: 600, describe: 'seconds to wait for all workers to join' }),
      (args) => trainCommand(args as TrainArgs, 'cluster'),
    );
}
