// `ganymede bench <scenario>`: benchmarks, never tests. Each prints a table and writes JSON.
//   step        samples/s, steps/s, GFLOPS and model FLOP utilisation per backend and worker count
//   scaling     1..N workers (weak: fixed per-worker batch; strong: fixed global batch), efficiency, round time split
//   comm        protocol round trips with no compute against raw ZeroMQ, tcp and ipc
//   projection  an alpha-beta MODEL fitted to `comm`, projecting many workers over fast links (star, ring, halving)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Argv } from 'yargs';
import * as tf from '@tensorflow/tfjs';
import { runCoordinator } from '../../../coordinator/run.js';
import { RunDir } from '../../../coordinator/run-dir.js';
import { initBackend } from '../../backend/index.js';
import { benchComm, type CommRow } from '../../bench/comm.js';
import { matMulPeakGflops, stepFlops } from '../../bench/flops.js';
import { writeBenchPlots, type BenchResult } from '../../bench/plots.js';
import { fitAlphaBeta, project } from '../../bench/projection.js';
import { loadConfig, type Config } from '../../config/index.js';
import { modelFamily } from '../../models/index.js';
import { UsageError } from '../../errors.js';
import { createLogger } from '../log.js';

interface Scenario { name: string; backend: string; patches: boolean; blas: boolean; workers: number; steps: number }

interface Row extends Scenario {
  samplesPerSec: number;
  stepsPerSec: number;
  stepMs: number;
  /** Medians per step, ms: the slowest worker block's compute, and the coordinator's phases. */
  computeMs: number;
  sendMs: number;
  waitMs: number;
  reduceMs: number;
  optimMs: number;
  outsideShare: number;
  batchSize: number;
  gflops: number;
  /** Medians per step: bytes received and sent by the coordinator's socket (its link's load), and who reduced. */
  coordinatorInBytes: number;
  coordinatorOutBytes: number;
  reduce: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function scenarioConfig(s: Scenario, warmup: number, sets: string[], file?: string): Readonly<Config> {
  return loadConfig(file, [
    `train.steps=${s.steps + warmup}`, `cluster.workers=${s.workers}`, `backend=${s.backend}`,
    'train.sampleEvery=1000000', 'train.checkpointEvery=1000000', ...sets,
  ]);
}

async function measure(s: Scenario, warmup: number, sets: string[], file?: string): Promise<Row> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ganymede-bench-'));
  const lines: Record<string, number>[] = [];
  // Read by every spawned worker: the kernel patches, and the native OpenBLAS matMul among them.
  process.env.GANYMEDE_KERNEL_PATCHES = s.patches ? 'on' : 'off';
  process.env.GANYMEDE_OPENBLAS = s.blas ? '1' : '0';
  const config = scenarioConfig(s, warmup, sets, file);
  try {
    const run = RunDir.create(path.join(dir, 'run'));
    await runCoordinator({ config, run, spawn: true, log: createLogger({ json: true }).child({}, { level: 'warn' }), onStep: (l) => lines.push(l) });
  } finally {
    delete process.env.GANYMEDE_KERNEL_PATCHES;
    delete process.env.GANYMEDE_OPENBLAS;
    rmSync(dir, { recursive: true, force: true });
  }
  const timed = lines.slice(warmup);
  const m = (key: string) => median(timed.map((l) => l[key]));
  const stepMs = m('time/step_ms');
  const computeMs = m('time/compute_ms');
  const flops = stepFlops(config, { height: 28, width: 28, channels: 1 });
  return {
    ...s, stepMs, computeMs, sendMs: m('time/send_ms'), waitMs: m('time/wait_ms'), reduceMs: m('time/reduce_ms'), optimMs: m('time/optim_ms'),
    samplesPerSec: m('samples/s'), stepsPerSec: 1000 / stepMs, outsideShare: 1 - computeMs / stepMs,
    batchSize: config.train.batchSize, gflops: flops / stepMs / 1e6,
    coordinatorInBytes: m('comm/in_bytes'), coordinatorOutBytes: m('comm/out_bytes'), reduce: config.cluster.reduce,
  };
}

/** Writes the JSON and, next to it, its plots (SVG + PNG); returns the plot files. */
async function save(file: string, value: BenchResult): Promise<string[]> {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(path.resolve(file), JSON.stringify(value, null, 2));
  return writeBenchPlots(path.resolve(file), value);
}

const wrote = (out: string, plots: string[]) => `wrote ${out} and ${plots.length / 2} plot(s): ${plots.filter((f) => f.endsWith('.png')).map((f) => path.basename(f)).join(', ')}\n`;

const machine = () => ({ cpus: os.cpus().length, model: os.cpus()[0]?.model, date: new Date().toISOString(), loadavg: os.loadavg() });
const list = (text: string) => text.split(',').map((x) => x.trim()).filter(Boolean);

function scenarioOf(b: string, workers: number, steps: number): Scenario {
  const backend = b.startsWith('wasm') ? 'wasm' : b;
  return { name: b, backend, patches: b !== 'wasm-stock', blas: b === 'wasm', workers, steps: b === 'cpu' ? Math.max(2, Math.round(steps / 10)) : steps };
}

/** The backend's matMul peak, measured in this process (the workers run the same backend and kernels). */
async function peakOf(s: Scenario): Promise<number> {
  process.env.GANYMEDE_OPENBLAS = s.blas ? '1' : '0';
  try {
    await initBackend(s.backend as 'wasm', { patches: s.patches });
    return matMulPeakGflops();
  } finally {
    delete process.env.GANYMEDE_OPENBLAS;
    tf.engine().reset();
  }
}

export function registerBench(y: Argv) {
  return y.command(
    'bench [scenario]',
    'benchmarks: step | scaling | comm | projection (each prints a table, writes JSON and draws plots next to it)',
    (c) =>
      c
        .positional('scenario', { type: 'string', default: 'step', choices: ['step', 'scaling', 'comm', 'projection'] })
        .option('config', { type: 'string', describe: 'YAML recipe to benchmark (default: the seed GAN)' })
        .option('steps', { type: 'number', default: 30, describe: 'timed steps per run (cpu runs a tenth of them)' })
        .option('warmup', { type: 'number', default: 3, describe: 'untimed steps first' })
        .option('backends', {
          type: 'string',
          describe: 'comma list: wasm (all patches; native OpenBLAS matMul when built), wasm-noblas, wasm-stock (no patches), cpu, tensorflow, tensorflow-gpu (step default: wasm,wasm-noblas,wasm-stock,cpu; scaling: wasm)',
        })
        .option('workers', { type: 'string', describe: 'comma list of worker counts (step: 1,2; scaling: 1..cores)' })
        .option('mode', { type: 'string', default: 'weak', choices: ['weak', 'strong'], describe: 'scaling: weak (per-worker batch fixed) or strong (global batch fixed)' })
        .option('sizes', { type: 'string', default: '1e4,1e5,1e6,1e7,1e8', describe: 'comm: message sizes in bytes' })
        .option('repeats', { type: 'number', default: 20, describe: 'comm: round trips per size' })
        .option('compute-ms', { type: 'number', describe: 'projection: one worker\'s compute per step, ms (default: measured here, 1 worker, wasm)' })
        .option('set', { type: 'string', array: true, describe: 'config overrides for every run' })
        .option('json', { type: 'boolean', default: false, describe: 'print one JSON object on stdout instead of the table' })
        .option('out', { type: 'string', describe: 'where to write the JSON (default bench-results/<scenario>.json)' }),
    async (args) => {
      const sets = args.set ?? [];
      const out = args.out ?? `bench-results/${args.scenario}.json`;
      const say = (text: string) => !args.json && process.stdout.write(text);
      if (args.scenario === 'comm' || args.scenario === 'projection') {
        const sizes = list(args.sizes).map(Number);
        if (sizes.some((n) => !Number.isFinite(n) || n < 4 || n > 1e9)) throw new UsageError(`--sizes ${args.sizes}: byte counts from 4 to 1e9 expected`);
        const comm = await benchComm({ transports: args.scenario === 'comm' ? ['ipc', 'tcp'] : ['tcp'], sizes, repeats: args.repeats });
        if (args.scenario === 'comm') return await reportComm(comm, out, args.json, say);
        const fit = fitAlphaBeta(comm);
        const config = loadConfig(args.config, sets);
        const gradBytes = 4 * Object.values(stepWeights(config)).reduce((a, b) => a + b, 0);
        const computeMs = args.computeMs ?? (await measure(scenarioOf('wasm', 1, 10), 2, sets, args.config)).computeMs;
        const rows = project({ alphaMs: fit.alphaMs, gradBytes, computeMs, workers: [8, 16, 32, 64, 128, 256], linksGbit: [10, 25, 100] });
        const result = { bench: 'projection' as const, kind: 'model, not a measurement', formula: 'see src/bench/projection.ts', fit, gradBytes, computeMs, machine: machine(), rows };
        const plots = await save(out, result as unknown as BenchResult);
        if (args.json) return void process.stdout.write(`${JSON.stringify(result)}\n`);
        say(`MODEL (alpha-beta fitted to tcp round trips here: alpha ${fit.alphaMs.toFixed(3)} ms, ${(fit.beta / 1e9).toFixed(2)} GB/s; ` +
          `W = ${(gradBytes / 1e6).toFixed(1)} MB of gradients; compute ${computeMs.toFixed(1)} ms per worker step, weak scaling, no overlap)\n`);
        for (const r of rows) {
          say(`${String(r.workers).padStart(4)} workers  ${String(r.linkGbit).padStart(3)} Gbit  ${r.topology.padEnd(7)} comm ${r.commMs.toFixed(1).padStart(8)} ms  ` +
            `step ${r.stepMs.toFixed(1).padStart(8)} ms  efficiency ${(100 * r.efficiency).toFixed(0).padStart(3)}%\n`);
        }
        return void say(wrote(out, plots));
      }
      const cores = os.cpus().length;
      const backends = list(args.backends ?? (args.scenario === 'step' ? 'wasm,wasm-noblas,wasm-stock,cpu' : 'wasm'));
      const workerCounts = list(args.workers ?? (args.scenario === 'step' ? '1,2' : Array.from({ length: cores }, (_, i) => i + 1).join(','))).map(Number);
      const rows: (Row & { peakGflops: number; mfu: number; efficiency?: number })[] = [];
      for (const b of backends) {
        const base = scenarioOf(b, 1, args.steps);
        const peakGflops = await peakOf(base);
        for (const w of workerCounts) {
          const scaled = args.scenario === 'scaling' && args.mode === 'weak' ? weakSets(loadConfig(args.config, sets), w) : [];
          const row = await measure({ ...base, workers: w }, args.warmup, [...sets, ...scaled], args.config);
          const one = rows.find((r) => r.name === b && r.workers === 1);
          const efficiency = one ? row.samplesPerSec / (w * one.samplesPerSec) : w === 1 ? 1 : undefined;
          rows.push({ ...row, peakGflops, mfu: row.gflops / peakGflops, efficiency });
          say(
            `${b.padEnd(12)} workers ${w}  batch ${String(row.batchSize).padStart(4)}  ${row.samplesPerSec.toFixed(0).padStart(6)} samples/s  ` +
              `step ${row.stepMs.toFixed(0).padStart(5)} ms (compute ${row.computeMs.toFixed(0)}, send ${row.sendMs.toFixed(0)}, ` +
              `wire+wait ${(row.waitMs - row.computeMs).toFixed(0)}, reduce ${row.reduceMs.toFixed(0)}, optim ${row.optimMs.toFixed(0)})  ` +
              `${row.gflops.toFixed(1)} GFLOPS = ${(100 * row.gflops / peakGflops).toFixed(0)}% of matMul peak ${peakGflops.toFixed(1)}  ` +
              `coordinator in ${(row.coordinatorInBytes / 1e6).toFixed(2)} MB, out ${(row.coordinatorOutBytes / 1e6).toFixed(2)} MB per step (${row.reduce})` +
              (efficiency !== undefined && args.scenario === 'scaling' ? `  efficiency ${(100 * efficiency).toFixed(0)}%` : '') + '\n',
          );
        }
      }
      const result = { bench: args.scenario as 'step', scenario: args.scenario, mode: args.scenario === 'scaling' ? args.mode : undefined, machine: machine(), rows };
      const plots = await save(out, result as unknown as BenchResult);
      if (args.json) {
        const best = rows.reduce((a, r) => (r.samplesPerSec > a.samplesPerSec ? r : a));
        return void process.stdout.write(`${JSON.stringify({ ...best, rows })}\n`);
      }
      say(`(${cores} cores here)\n${wrote(out, plots)}`);
    },
  );
}

/** Weak scaling: N workers get N times the batch and the micro-shards, so each keeps the 1-worker share. */
function weakSets(config: Readonly<Config>, workers: number): string[] {
  return [`train.batchSize=${config.train.batchSize * workers}`, `train.microShards=${config.train.microShards * workers}`];
}

/** Trainable values per network of the config's model (the gradient bytes a round moves are 4x their sum). */
function stepWeights(config: Readonly<Config>): Record<string, number> {
  const nets = modelFamily(config.model.family).build(config.model, { height: 28, width: 28, channels: 1 });
  try {
    return Object.fromEntries(Object.entries(nets).map(([n, m]) => [n, m.countParams()]));
  } finally {
    for (const m of Object.values(nets)) m.dispose();
  }
}

async function reportComm(rows: CommRow[], out: string, json: boolean, say: (t: string) => void): Promise<void> {
  const withRaw = rows.map((r) => {
    const raw = rows.find((x) => x.transport === r.transport && x.mode === 'raw' && x.bytes === r.bytes);
    return { ...r, vsRaw: raw ? r.rttMs / raw.rttMs : 1 };
  });
  const result = { bench: 'comm' as const, machine: machine(), rows: withRaw };
  const plots = await save(out, result as unknown as BenchResult);
  if (json) return void process.stdout.write(`${JSON.stringify(result)}\n`);
  for (const r of withRaw.filter((x) => x.mode === 'protocol')) {
    say(`${r.transport}  ${(r.bytes / 1e6).toFixed(2).padStart(8)} MB  protocol rtt ${r.rttMs.toFixed(2).padStart(8)} ms  ` +
      `${(r.bytesPerSec / 1e9).toFixed(2).padStart(6)} GB/s  = ${r.vsRaw.toFixed(2)}x raw ZeroMQ\n`);
  }
  say(wrote(out, plots));
}
