// Local worker processes for `ganymede train --workers N`: spawned from this same build, their output
// kept in <run>/logs/worker-<i>.log, and any exit before SHUTDOWN reported as a failure (never a hang).
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
  /** Called once if any worker exits while the run still needs it. */
  onFailure: (err: WorkerError) => void;
}

export class LocalWorkers {
  private readonly children: ChildProcess[] = [];
  private stopping = false;

  constructor(private readonly opts: LocalWorkerOptions) {}

  start(): void {
    for (let rank = 0; rank < this.opts.count; rank++) {
      const args = [CLI, 'worker', '--coordinator', this.opts.endpoint, '--rank', String(rank)];
      if (this.opts.backend) args.push('--backend', this.opts.backend);
      const child = spawn(process.execPath, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, GANYMEDE_TOKEN: this.opts.token, GANYMEDE_LOG_JSON: '1', GANYMEDE_LOCAL_WORKER: '1' },
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
        if (this.stopping) return;
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const last = tail.length ? `; its last output: ${lastMessage(tail)}` : '';
        this.opts.onFailure(
          new WorkerError(`worker rank ${rank} (pid ${child.pid}) ${how} during the run${last}`, {
            hint: `see ${path.join(this.opts.logDir, `worker-${rank}.log`)}; resume from the last checkpoint with --resume`,
          }),
        );
      });
      this.children.push(child);
    }
  }

  /** Waits up to `graceMs` for the workers to exit after SHUTDOWN, then kills the rest. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.children.map(
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
