// `ganymede launch --hosts a,b,c`: a coordinator here and one worker per host over ssh (torchrun's
// multi-node launch, without a rendezvous server). The run token goes to each host on ssh's stdin, never on a
// command line; worker output comes back prefixed with its host. Flags of `ganymede train` pass through.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Argv } from 'yargs';
import { UsageError, WorkerError } from '../../errors.js';
import { runFlags } from './train.js';
import { waitForEndpoint } from './health.js';

const CLI = fileURLToPath(new URL('../main.js', import.meta.url));

interface LaunchArgs {
  hosts: string;
  port: number;
  advertise: string;
  ssh: string;
  remoteDir: string;
  remoteCommand: string;
  config?: string;
  set?: string[];
  backend?: string;
  out?: string;
  resume?: string;
  verbose?: boolean;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The shell line one host runs: read the token from stdin, then start a worker with its rank. */
export function remoteLine(a: Pick<LaunchArgs, 'remoteDir' | 'remoteCommand' | 'advertise' | 'port'>, rank: number): string {
  return (
    `cd ${quote(a.remoteDir)} && read -r GANYMEDE_TOKEN && export GANYMEDE_TOKEN && ` +
    `GANYMEDE_COORDINATOR=tcp://${a.advertise}:${a.port} GANYMEDE_WORKER_INDEX=${rank} exec ${a.remoteCommand} worker`
  );
}

function prefixed(child: ChildProcess, label: string): void {
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.on('data', (d: Buffer) => {
      const lines = (rest + d.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) process.stderr.write(`[${label}] ${l}\n`);
    });
  }
}

async function launch(a: LaunchArgs): Promise<void> {
  const hosts = a.hosts.split(',').map((h) => h.trim()).filter(Boolean);
  if (hosts.length === 0) throw new UsageError('--hosts: name at least one host (a,b,c)');
  if (!Number.isInteger(a.port) || a.port < 1 || a.port > 65535) throw new UsageError(`--port ${a.port}: not a TCP port`);
  const token = process.env.GANYMEDE_TOKEN ?? randomBytes(32).toString('hex');
  const passThrough = [
    ...(a.config ? ['--config', a.config] : []), ...(a.set ?? []).flatMap((s) => ['--set', s]),
    ...(a.backend ? ['--backend', a.backend] : []), ...(a.out ? ['--out', a.out] : []), ...(a.resume ? ['--resume', a.resume] : []),
    ...(a.verbose ? ['--verbose'] : []),
  ];
  const coordinator = spawn(process.execPath, [CLI, 'coordinator', '--workers', String(hosts.length), '--bind', `tcp://0.0.0.0:${a.port}`, ...passThrough], {
    stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, GANYMEDE_TOKEN: token },
  });
  // Never leave a coordinator behind, whatever ends this process.
  process.on('exit', () => coordinator.exitCode === null && coordinator.kill('SIGTERM'));
  const finished = new Promise<number>((resolve) => coordinator.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + os.constants.signals[signal] : 1))));
  let over = false;
  void finished.then(() => (over = true));
  // 1. Workers start once the coordinator listens (or not at all, when it failed first).
  await Promise.race([waitForEndpoint(`tcp://127.0.0.1:${a.port}`, 600, 0.5), finished]);
  // The coordinator printed its own error line: exit with its code (main.ts would exit 0 after a return).
  if (over) process.exit(await finished);
  // 2. One ssh per host; a worker that fails ends the run (the coordinator is interrupted and can be resumed).
  const [sshCmd, ...sshArgs] = a.ssh.split(/\s+/).filter(Boolean);
  const workers = hosts.map((host, rank) => {
    const child = spawn(sshCmd, [...sshArgs, host, remoteLine(a, rank)], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin?.on('error', () => undefined); // EPIPE when ssh fails before reading: its exit code says why
    child.stdin?.end(`${token}\n`);
    prefixed(child, `${host} rank ${rank}`);
    child.on('error', (err) => process.stderr.write(`ganymede: ${a.ssh} ${host}: ${err.message}\n`));
    child.on('exit', (code) => {
      if (over || code === 0) return;
      process.stderr.write(`ganymede: ${new WorkerError(`the worker on ${host} (rank ${rank}) exited with code ${code}; stopping the coordinator`).message}\n`);
      coordinator.kill('SIGTERM');
    });
    return child;
  });
  const code = await finished;
  // 3. Workers leave on the coordinator's SHUTDOWN; give them a moment, then end the ssh sessions.
  await Promise.race([Promise.all(workers.map((w) => (w.exitCode !== null ? undefined : new Promise((r) => w.on('exit', r))))), new Promise((r) => setTimeout(r, 5000))]);
  for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
  if (code !== 0) process.exit(code);
}

export function registerLaunch(y: Argv) {
  return y.command(
    'launch',
    'coordinator here, one worker per host over ssh (--hosts a,b,c); train flags pass through',
    (c) =>
      runFlags(c)
        .option('hosts', { type: 'string', demandOption: true, describe: 'comma-separated hosts, one worker each (rank = position)' })
        .option('port', { type: 'number', default: 5555, describe: 'coordinator TCP port (bound on all interfaces)' })
        .option('advertise', { type: 'string', default: os.hostname(), describe: 'address the hosts reach this machine at' })
        .option('ssh', { type: 'string', default: 'ssh -o BatchMode=yes', describe: 'ssh command (and its options)' })
        .option('remote-dir', { type: 'string', default: process.cwd(), describe: 'the ganymede checkout on the hosts' })
        .option('remote-command', { type: 'string', default: 'npx ganymede', describe: 'how the hosts run ganymede' }),
    async (args) => {
      if (args.workers !== undefined) throw new UsageError('launch: the worker count is the number of --hosts; drop --workers');
      await launch(args as unknown as LaunchArgs);
    },
  );
}
