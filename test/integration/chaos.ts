// Helpers of the fault-tolerance tests: one small config, its fault-free reference, and ways to watch and
// hurt a running job (its progress, its workers' pids, a free port, extra worker processes).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { CLI, manifestHashes } from './cli.js';

export const STEPS = 30;
/** The seed GAN at full size (so a step lasts long enough to be hit), 8 micro-shards, wasm. */
export const CHAOS_SETS = ['--set', `train.steps=${STEPS}`, '--set', 'train.microShards=8', '--set', 'seed=11', '--set', 'train.sampleEvery=1000',
  '--set', 'train.checkpointEvery=5', '--backend', 'wasm'];

export function weightHashes(run: string, step = STEPS): Record<string, string> {
  const h = manifestHashes(path.join(run, 'checkpoints', `step-${String(step).padStart(6, '0')}`));
  return { G: h['G/weights.bin'], D: h['D/weights.bin'], adamD: h['adam-D.bin'], adamG: h['adam-G.bin'] };
}

/** Steps finished so far (lines of metrics.jsonl). */
export function progress(run: string): number {
  const file = path.join(run, 'metrics.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).length : 0;
}

export async function until(what: string, ready: () => boolean, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The pid of the newest process of a local worker rank, from its log ("joined run" lines carry the pid). */
export function localWorkerPid(run: string, rank: number): number | undefined {
  const file = path.join(run, 'logs', `worker-${rank}.log`);
  if (!existsSync(file)) return undefined;
  const joined = readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"joined run"'));
  return joined.length ? (JSON.parse(joined[joined.length - 1]) as { pid: number }).pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A TCP port free right now on 127.0.0.1 (the coordinator must bind the same one again after a restart). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A `ganymede worker` process; `log` collects its output. */
export function startWorker(endpoint: string, rank: number, env: NodeJS.ProcessEnv = {}): ChildProcess & { log: string[] } {
  const child = spawn(process.execPath, [CLI, 'worker', '--coordinator', endpoint, '--rank', String(rank)], {
    env: { ...process.env, GANYMEDE_LOG_JSON: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { log: string[] };
  child.log = [];
  child.stdout?.on('data', (d) => child.log.push(String(d)));
  child.stderr?.on('data', (d) => child.log.push(String(d)));
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** A small keyed random source for choosing when to strike (printed, so a failure can be replayed). */
export function strikeSteps(seed: number, count: number, lo: number, hi: number): number[] {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: count }, () => lo + Math.floor(next() * (hi - lo))).sort((a, b) => a - b);
}
