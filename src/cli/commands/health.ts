// `ganymede health`: is a coordinator accepting connections at an endpoint? A TCP connect to its ZeroMQ port,
// the same check as a Kubernetes tcpSocket probe; workers' init containers run it with --wait so that a worker
// pod starts only once its coordinator listens (k8s/base/workers-job.yaml).
import net from 'node:net';
import type { Argv } from 'yargs';
import { UsageError, WorkerError } from '../../errors.js';

/** host and port of a tcp:// ZeroMQ endpoint. */
export function tcpAddress(endpoint: string): { host: string; port: number } {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)$/.exec(endpoint);
  if (!m) throw new UsageError(`${endpoint}: expected tcp://host:port`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new UsageError(`${endpoint}: port ${port} is out of range`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/** Resolves with null once a TCP connection opens, or with the reason it did not, within `timeoutMs`. */
export function tcpCheck(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (reason: string | null) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/** Checks once, or every `intervalS` seconds until `waitS` seconds have passed; throws when never reachable. */
export async function waitForEndpoint(endpoint: string, waitS: number, intervalS = 1, onRetry?: (reason: string) => void): Promise<void> {
  const { host, port } = tcpAddress(endpoint);
  const deadline = Date.now() + waitS * 1000;
  for (;;) {
    const reason = await tcpCheck(host, port, 2000);
    if (reason === null) return;
    if (Date.now() + intervalS * 1000 > deadline) {
      throw new WorkerError(`coordinator ${endpoint} is not reachable: ${reason}` + (waitS > 0 ? ` (waited ${waitS} s)` : ''), {
        hint: 'is the coordinator running, and does its Service name resolve from here?',
      });
    }
    onRetry?.(reason);
    await new Promise((r) => setTimeout(r, intervalS * 1000));
  }
}

export function registerHealth(y: Argv) {
  return y.command(
    'health',
    'check that a coordinator accepts connections (exit 0) — for probes and init containers',
    (c) =>
      c
        .option('endpoint', { type: 'string', describe: 'tcp://host:port (default $GANYMEDE_COORDINATOR)' })
        .option('wait', { type: 'number', default: 0, describe: 'keep trying for this many seconds' })
        .option('interval', { type: 'number', default: 1, describe: 'seconds between tries' }),
    async (args) => {
      const endpoint = args.endpoint ?? process.env.GANYMEDE_COORDINATOR;
      if (!endpoint) throw new UsageError('no endpoint: pass --endpoint tcp://host:port or set GANYMEDE_COORDINATOR');
      if (!(args.wait >= 0) || !(args.interval > 0)) throw new UsageError('--wait must be >= 0 and --interval > 0 seconds');
      let tries = 0;
      await waitForEndpoint(endpoint, args.wait, args.interval, (reason) => {
        // One line now and then, so a waiting init container's log says why.
        if (tries++ % 10 === 0) process.stderr.write(`waiting for ${endpoint}: ${reason}\n`);
      });
      process.stdout.write(`ok: ${endpoint} accepts connections\n`);
    },
  );
}
