// Local worker processes for `ganymede train --workers N`: spawned from this same build, their output
// kept in <run>/logs/worker-<i>.log. One that dies is started again (it rejoins the running job) up to
// cluster.maxRestarts times in all, like torchrun's --max-restarts; after that a death fails the run.
// A worker that exits 0 left cleanly (LEAVE) and is not replaced.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkerError } from '../src/errors.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

export interface LocalWorkerOptions {
  count: number;
  endpoint: string;
  token: string;
  logDir: string;
  backend?: string;
  /** Restarts allowed in all. */
  maxRestarts: number;
  /** Called when a worker dies and no restart is left. */
  onFailure: (err: WorkerError) => void;
  /** Told about each restart. */
  onRestart?: (message: string) => void;
}

export class LocalWorkers {
  private readonly children = new Set<ChildProcess>();
  private stopping = false;
  private restarts = 0;

  constructor(private readonly opts: LocalWorkerOptions) {}

  start(): void {
    for (let rank = 0; rank < this.opts.count; rank++) this.spawnWorker(rank);
  }

  private spawnWorker(rank: number): void {
    const args = [CLI, 'worker', '--coordinator', this.opts.endpoint, '--rank', String(rank)];
    if (this.opts.backend) args.push('--backend', this.opts.backend);
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Local workers talk over a private ipc socket: no CURVE keys (they are for `ganymede coordinator`).
      env: { ...withoutCurve(process.env), GANYMEDE_TOKEN: this.opts.token, GANYMEDE_LOG_JSON: '1', GANYMEDE_LOCAL_WORKER: '1' },
    });
    const log = createWriteStream(path.join(this.opts.logDir, `worker-${rank}.log`), { flags: 'a' });
    const tail: string[] = [];
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      tail.push(...chunk.toString().split('\n').filter((l) => l.trim()));
      tail.splice(0, Math.max(0, tail.length - 5));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', (code, signal) => {
      log.end();
      this.children.delete(child);
      if (this.stopping || code === 0) return;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const last = tail.length ? `; its last output: ${lastMessage(tail)}` : '';
      const what = `worker rank ${rank} (pid ${child.pid}) ${how} during the run${last}`;
      if (this.restarts < this.opts.maxRestarts) {
        this.restarts += 1;
        this.opts.onRestart?.(`${what}; starting it again (restart ${this.restarts} of ${this.opts.maxRestarts}, cluster.maxRestarts)`);
        this.spawnWorker(rank);
        return;
      }
      this.opts.onFailure(
        new WorkerError(what, {
          hint: `see ${path.join(this.opts.logDir, `worker-${rank}.log`)}; ${this.opts.maxRestarts > 0 ? `all ${this.opts.maxRestarts} restarts (cluster.maxRestarts) were used; ` : ''}resume from the last checkpoint with --resume`,
        }),
      );
    });
    this.children.add(child);
  }

  /** Waits up to `graceMs` for the workers to exit after SHUTDOWN, then kills the rest. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }
}

/** The message of a worker's last log line (JSON from pino, or plain text). */
function lastMessage(lines: string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const entry = JSON.parse(lines[i]) as { msg?: string; err?: unknown };
      if (entry.msg) return entry.err ? `${entry.msg}: ${typeof entry.err === 'string' ? entry.err : JSON.stringify(entry.err)}` : entry.msg;
    } catch {
      return lines[i];
    }
  }
  return lines[lines.length - 1];
}

function withoutCurve(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('GANYMEDE_CURVE_')));
}
