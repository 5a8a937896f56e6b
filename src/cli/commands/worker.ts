// `ganymede worker`: one worker process; joins the coordinator at --coordinator or $GANYMEDE_COORDINATOR.
import type { Argv } from 'yargs';
import { BACKEND_NAMES, type BackendName } from '../../backend/index.js';
import { UsageError } from '../../errors.js';
import { Worker } from '../../../worker/worker.js';
import { clientCurve } from '../../protocol/curve.js';
import { createLogger } from '../log.js';

function rankFromEnv(): number | undefined {
  const raw = process.env.GANYMEDE_WORKER_INDEX ?? process.env.JOB_COMPLETION_INDEX;
  if (raw === undefined) return undefined;
  const rank = Number(raw);
  if (!Number.isInteger(rank) || rank < 0) throw new UsageError(`worker rank '${raw}' from the environment is not a whole number`);
  return rank;
}

export function registerWorker(y: Argv) {
  return y.command(
    'worker',
    'run one worker: computes gradients for the micro-shards the coordinator assigns',
    (c) =>
      c
        .option('coordinator', { type: 'string', describe: 'coordinator endpoint, e.g. tcp://host:5555 (default $GANYMEDE_COORDINATOR)' })
        .option('rank', { type: 'number', describe: 'worker rank (default $GANYMEDE_WORKER_INDEX or $JOB_COMPLETION_INDEX)' })
        .option('backend', { type: 'string', describe: 'override the run config\'s backend on this worker' })
        .option('connect-timeout', { type: 'number', default: 300, describe: 'seconds to wait for a first answer from the coordinator' }),
    async (args) => {
      const coordinator = args.coordinator ?? process.env.GANYMEDE_COORDINATOR;
      if (!coordinator) throw new UsageError('no coordinator: pass --coordinator tcp://host:port or set GANYMEDE_COORDINATOR');
      if (!/^(tcp|ipc|inproc):\/\/.+/.test(coordinator)) throw new UsageError(`--coordinator ${coordinator}: expected tcp://host:port or ipc://path`);
      if (args.backend !== undefined && !BACKEND_NAMES.includes(args.backend as BackendName)) {
        throw new UsageError(`--backend ${args.backend}: not one of ${BACKEND_NAMES.join(', ')}`);
      }
      const log = createLogger({ verbose: args.verbose as boolean | undefined });
      if (process.env.GANYMEDE_LOCAL_WORKER === '1') {
        // A local worker shares the terminal's Ctrl-C with its coordinator, which shuts it down cleanly.
        process.on('SIGINT', () => log.debug('SIGINT left to the coordinator'));
        // And it dies with its coordinator's process rather than computing on for a heartbeat timeout.
        const parent = process.ppid;
        setInterval(() => {
          if (process.ppid === parent) return;
          log.error({ parent }, 'the coordinator process is gone; exiting');
          process.exit(1);
        }, 500).unref();
      }
      const rank = args.rank ?? rankFromEnv() ?? -1;
      const worker = new Worker({
        coordinator, rank, token: process.env.GANYMEDE_TOKEN ?? '', curve: clientCurve(), connectTimeout: args.connectTimeout,
        backend: args.backend as BackendName | undefined, log,
      });
      // SIGTERM (Kubernetes, a scheduler, `kill`) is a clean leave: the block in hand is finished, then LEAVE.
      process.once('SIGTERM', () => worker.leave('SIGTERM'));
      await worker.run();
    },
  );
}
