// `ganymede bench`: the seed GAN's throughput for 1 and 2 workers per backend, and the share of each step
// spent outside worker compute. A benchmark, never a test: it prints a table and writes JSON.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Argv } from 'yargs';
import { runCoordinator } from '../../../coordinator/run.js';
import { RunDir } from '../../../coordinator/run-dir.js';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../log.js';

interface Scenario { name: string; backend: string; patches: boolean; blas: boolean; workers: number; steps: number }

interface Row extends Scenario { samplesPerSec: number; stepMs: number; computeMs: number; outsideShare: number }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(s: Scenario, warmup: number, sets: string[], recipe?: string): Promise<Row> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ganymede-bench-'));
  const lines: Record<string, number>[] = [];
  // Read by every spawned worker: the kernel patches, and the native OpenBLAS matMul among them.
  process.env.GANYMEDE_KERNEL_PATCHES = s.patches ? 'on' : 'off';
  process.env.GANYMEDE_OPENBLAS = s.blas ? '1' : '0';
  try {
    const config = loadConfig(recipe, [
      `train.steps=${s.steps + warmup}`, `cluster.workers=${s.workers}`, `backend=${s.backend}`,
      'train.sampleEvery=1000000', 'train.checkpointEvery=1000000', ...sets,
    ]);
    const run = RunDir.create(path.join(dir, 'run'));
    await runCoordinator({ config, run, spawn: true, log: createLogger({ json: true }).child({}, { level: 'warn' }), onStep: (l) => lines.push(l) });
  } finally {
    delete process.env.GANYMEDE_KERNEL_PATCHES;
    delete process.env.GANYMEDE_OPENBLAS;
    rmSync(dir, { recursive: true, force: true });
  }
  const timed = lines.slice(warmup);
  const stepMs = median(timed.map((l) => l['time/step_ms']));
  const computeMs = median(timed.map((l) => l['time/compute_ms']));
  return { ...s, stepMs, computeMs, samplesPerSec: median(timed.map((l) => l['samples/s'])), outsideShare: 1 - computeMs / stepMs };
}

export function registerBench(y: Argv) {
  return y.command(
    'bench',
    'benchmark the seed GAN: samples/s for 1 and 2 workers per backend (prints a table, writes JSON)',
    (c) =>
      c
        .option('steps', { type: 'number', default: 30, describe: 'timed steps per scenario (cpu runs a tenth of them)' })
        .option('warmup', { type: 'number', default: 3, describe: 'untimed steps first' })
        .option('backends', {
          type: 'string',
          default: 'wasm,wasm-noblas,wasm-stock,cpu',
          describe: 'comma list: wasm (all patches; native OpenBLAS matMul when built), wasm-noblas (patches without it), wasm-stock (no patches), cpu, tensorflow, tensorflow-gpu',
        })
        .option('workers', { type: 'string', default: '1,2', describe: 'comma list of worker counts' })
        .option('set', { type: 'string', array: true, describe: 'config overrides for every scenario' })
        .option('config', { type: 'string', describe: 'recipe to benchmark (default: the seed GAN), e.g. configs/dcgan.yaml' })
        .option('json', { type: 'string', default: 'bench-results/seed-gan.json', describe: 'where to write the results' }),
    async (args) => {
      const rows: Row[] = [];
      for (const b of args.backends.split(',')) {
        for (const w of args.workers.split(',').map(Number)) {
          const backend = b.startsWith('wasm') ? 'wasm' : b;
          const steps = b === 'cpu' ? Math.max(2, Math.round(args.steps / 10)) : args.steps;
          const scenario = { name: b, backend, patches: b !== 'wasm-stock', blas: b === 'wasm', workers: w, steps };
          const row = await measure(scenario, args.warmup, args.set ?? [], args.config);
          rows.push(row);
          process.stdout.write(
            `${b.padEnd(14)} workers ${w}  ${row.samplesPerSec.toFixed(0).padStart(6)} samples/s  step ${row.stepMs.toFixed(0).padStart(6)} ms  ` +
              `worker compute ${row.computeMs.toFixed(0).padStart(6)} ms  outside compute ${(100 * row.outsideShare).toFixed(0)}%\n`,
          );
        }
      }
      writeFileSync(path.resolve(args.json), JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model }, rows }, null, 2));
      process.stdout.write(`wrote ${args.json}\n`);
    },
  );
}
