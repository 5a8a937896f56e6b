// How fast a run notices a dead or hung worker, and what a fault costs the step it hits.
//
//   node dist/bench/failover.js [--workers 3] [--strikes 3] [--steps 60]
//
// Trains the seed GAN with local workers; after a warm-up it SIGKILLs a worker `strikes` times (the
// coordinator restarts it) and SIGSTOPs one once. For each strike it reports the detection time (signal ->
// the coordinator's "lost"/"suspect" log line, from the log's own timestamps) and the recovery cost (the
// struck step's time minus the median step time). Figures go to stdout and bench-results/failover-*.json.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

const args = yargs(hideBin(process.argv))
  .option('workers', { type: 'number', default: 3 })
  .option('strikes', { type: 'number', default: 3 })
  .option('steps', { type: 'number', default: 60 })
  .strict()
  .parseSync();

interface LogLine { time: number; msg: string; worker?: string }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function lines(run: string, file: string): string[] {
  const f = path.join(run, file);
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()) : [];
}

function workerPid(run: string, rank: number): number | undefined {
  const joined = lines(run, `logs/worker-${rank}.log`).filter((l) => l.includes('"joined run"'));
  return joined.length ? (JSON.parse(joined[joined.length - 1]) as { pid: number }).pid : undefined;
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ganymede-failover-'));
  const run = path.join(root, 'run');
  const log: LogLine[] = [];
  const child = spawn(process.execPath, [CLI, 'train', '--out', run, '--workers', String(args.workers), '--backend', 'wasm',
    '--set', `train.steps=${args.steps}`, '--set', 'train.microShards=8', '--set', 'cluster.maxRestarts=100', '--set', 'train.sampleEvery=100000'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let buffer = '';
  child.stderr.on('data', (d) => {
    buffer += String(d);
    const parts = buffer.split('\n');
    buffer = parts.pop() as string;
    for (const p of parts) {
      try {
        log.push(JSON.parse(p) as LogLine);
      } catch {
        // the progress bar or a plain line
      }
    }
  });
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const steps = () => lines(run, 'metrics.jsonl').length;
  const strikes: { signal: string; at: number; step: number; pid: number }[] = [];
  const gap = Math.floor((args.steps - 15) / (args.strikes + 2));
  for (let i = 0; i <= args.strikes; i++) {
    const signal = i < args.strikes ? 'SIGKILL' : 'SIGSTOP';
    const target = 10 + gap * (i + 1);
    while (steps() < target) await sleep(20);
    const rank = i % args.workers;
    const pid = workerPid(run, rank) as number;
    strikes.push({ signal, at: Date.now(), step: steps() + 1, pid });
    process.kill(pid, signal);
    if (signal === 'SIGKILL') while (workerPid(run, rank) === pid) await sleep(50);
  }
  const code = await done;
  for (const s of strikes.filter((x) => x.signal === 'SIGSTOP')) {
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {
      // already killed by the run's shutdown
    }
  }
  if (code !== 0) throw new Error(`the training run failed (exit ${code}); see ${run}`);

  const metrics = lines(run, 'metrics.jsonl').map((l) => JSON.parse(l) as { step: number; 'time/step_ms': number });
  const times = metrics.map((m) => m['time/step_ms']).sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  const results = strikes.map((s) => {
    const pidText = `pid ${s.pid} `;
    const first = (msg: RegExp) => log.find((l) => l.time >= s.at && msg.test(l.msg) && (l.worker ?? l.msg).includes(pidText));
    const lost = first(/lost/);
    const suspect = first(/suspect/);
    const struck = metrics.filter((m) => m.step >= s.step && m.step <= s.step + 1).map((m) => m['time/step_ms']);
    return {
      signal: s.signal,
      step: s.step,
      suspectMs: suspect ? suspect.time - s.at : null,
      lostMs: lost ? lost.time - s.at : null,
      struckStepMs: Math.max(...struck),
      recoveryCostMs: Math.max(...struck) - median,
    };
  });
  const summary = { workers: args.workers, cores: os.cpus().length, medianStepMs: median, strikes: results };
  console.log(JSON.stringify(summary, null, 2));
  mkdirSync('bench-results', { recursive: true });
  const out = path.join('bench-results', `failover-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify(summary, null, 2));
  console.log(`written ${out}`);
  rmSync(root, { recursive: true, force: true });
}

main().catch((err: Error) => {
  console.error(`failover bench: ${err.message}`);
  process.exit(1);
});
