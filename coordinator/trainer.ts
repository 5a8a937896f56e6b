// The training loop: for each step, the schedule's rounds through the cluster, the optimizer on the master
// weights, then metrics, sample grids, evaluation and checkpoints.
import path from 'node:path';
import type { Logger } from 'pino';
import { loadNewestValid, saveCheckpoint, type LoadedCheckpoint } from '../src/checkpoint/index.js';
import { NumericalError } from '../src/errors.js';
import { allFinite } from '../src/protocol/index.js';
import type { Config } from '../src/config/index.js';
import { Sampler, type Dataset } from '../src/data/index.js';
import { testElbo } from '../src/metrics/elbo.js';
import { describeEval, TrainingEvaluator } from '../src/metrics/during-training.js';
import { gridPng } from '../src/report/grid.js';
import { extraGrids } from '../src/report/sample-grids.js';
import { EarlyStopper } from '../src/train/early-stop.js';
import { addStats } from '../src/train/reduce.js';
import { sampleImages } from '../src/train/sample.js';
import { batchesBefore, schedule } from '../src/train/schedule.js';
import { growthAt, samplesBefore, sameGrowth } from '../src/train/stages.js';
import type { Cluster } from './cluster.js';
import { MasterState } from './master.js';
import type { WarmStartPlan } from '../src/pretrained/warm-start.js';
import type { RunDir } from './run-dir.js';

export interface TrainOptions {
  config: Readonly<Config>;
  run: RunDir;
  cluster: Cluster;
  data: Dataset;
  /** Held-out split for the VAE's end-of-epoch ELBO. */
  testData?: Dataset;
  resume?: LoadedCheckpoint;
  /** --init-from: a new run (step 0, fresh optimizer state) whose weights start from another model's. */
  warm?: WarmStartPlan;
  log: Logger;
  /** Called after every step with its metrics line. */
  onStep?: (line: Record<string, number>) => void;
  /** Human-readable events (evaluations, checkpoints) for the progress display. */
  onEvent?: (text: string) => void;
  /** Called before each round is sent: what the coordinator runs (tests compare it with the schedule's table). */
  onRound?: (r: { round: number; step: number; phase: string; tag: string; batch: number; lr: number }) => void;
}

export interface TrainResult {
  steps: number;
  checkpoint: string;
  lastSample?: string;
  lastElbo?: number;
  /** Set when early stopping ended the run: the step of the best checkpoint (under <run>/best/). */
  bestStep?: number;
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { config, run, cluster, data } = opts;
  const image = { height: data.height, width: data.width, channels: data.channels };
  const fresh = (): MasterState => warmed(MasterState.fresh(config, image, growthAt(0, config)), opts.warm);
  let master = opts.resume ? MasterState.restore(config, image, opts.resume) : fresh();
  const { batchSize, microShards, steps } = config.train;
  const sampler = new Sampler({ seed: config.seed, count: data.count, batchSize, microShards });
  // Schedule and sampler are pure functions of the step; only the round counter (wire bookkeeping) is carried.
  let round = (opts.resume?.meta.round as number | undefined) ?? 0;
  let checkpoint = opts.resume?.dir ?? '';
  const result: TrainResult = { steps: 0, checkpoint };
  let rollbacks = 0;
  let step = opts.resume?.step ?? 0;
  const imageShape = [data.height, data.width, data.channels];
  const stopper = new EarlyStopper(config.train.earlyStop, opts.resume?.meta.earlyStop);
  let evaluator: TrainingEvaluator | undefined;
  const stallAfter = chaosStall(process.env.GANYMEDE_CHAOS_STALL);
  try {
    evaluator = await TrainingEvaluator.create(config, run.file('metrics.jsonl'), step);
    while (step < steps) {
      const t0 = performance.now();
      const plan = schedule(step, config);
      // Progressive growing: the stage's networks (grown at a stage change) and its fade-in alpha and batch size.
      const growth = growthAt(step, config);
      if (!sameGrowth(growth, master.stage)) master.grow(growth!);
      if (plan.stage) master.enterStage(plan.stage.index); // its overrides; Adam carried when it freezes other layers
      master.alpha = plan.stage?.alpha ?? 1;
      const B = plan.stage?.batchSize ?? batchSize;
      const shardSize = B / microShards;
      let stats: Record<string, number> = {};
      const time = { send: 0, wait: 0, reduce: 0, compute: 0, optim: 0 };
      const traffic = { in: 0, out: 0 }; // bytes on the coordinator's socket: its link's load (star vs allreduce)
      try {
        for (const r of plan.rounds) {
          // Where the round's real batch starts in the sample stream (global batch number * B without stages).
          const start = samplesBefore(step, config) + (r.batch - batchesBefore(step, config)) * B;
          const shardImages = r.batch >= 0 ? shardsOf(data, sampler, start, microShards, shardSize) : undefined;
          const shardLabels = r.batch >= 0 && master.family.conditional ? labelsOf(data, sampler, start, microShards, shardSize) : undefined;
          const weights = Object.fromEntries(
            Object.keys(master.nets).map((net) => [net, { version: master.versions[net], tensors: () => master.wire(net) }]),
          );
          const nets = master.family.phases[r.phase].updates;
          opts.onRound?.({ round, step, phase: r.phase, tag: r.tag, batch: r.batch, lr: plan.lr[r.phase] });
          const res = await cluster.round({
            round: round++, step, phase: r.phase, tag: r.tag, nets, shardImages, shardLabels, imageShape, weights,
            gradSizes: master.wireSizes(r.phase),
          });
          run.logs?.round(step, round - 1, r.phase, res);
          const t1 = performance.now();
          const applied = master.apply(r.phase, res.grads, plan.lr[r.phase], step);
          if (!master.phaseWeights(r.phase).every((w) => allFinite(w))) {
            throw new NumericalError(`non-finite weights of ${nets.join('+')} after the ${r.tag} update of step ${step}`);
          }
          time.optim += performance.now() - t1;
          time.send += res.timing.send;
          time.wait += res.timing.wait;
          time.reduce += res.timing.reduce;
          time.compute += res.timing.compute;
          traffic.in += res.traffic.in;
          traffic.out += res.traffic.out;
          stats = addStats(stats, res.stats);
          for (const [k, v] of Object.entries(applied)) stats[k] = Math.max(stats[k] ?? 0, v); // largest norm of the step
        }
      } catch (err) {
        if (!(err instanceof NumericalError)) throw err;
        if (config.train.onNonFinite === 'fail') {
          throw new NumericalError(err.message, {
            hint: 'set train.onNonFinite: rollback to restore the last checkpoint and go on; a repeated fault usually means a learning rate too high',
          });
        }
        if (++rollbacks > config.train.maxRollbacks) {
          throw new NumericalError(`${err.message}; gave up after ${config.train.maxRollbacks} rollbacks (train.maxRollbacks)`);
        }
        const ckpt = await loadNewestValid(run.dir, (dir, e, movedTo) => opts.log.warn({ checkpoint: dir, err: e.message, movedTo }, 'skipping a corrupt checkpoint (set aside)'));
        master.dispose();
        master = ckpt ? MasterState.restore(config, image, ckpt) : fresh();
        for (const net of Object.values(ckpt?.networks ?? {})) net.dispose();
        step = ckpt?.step ?? 0;
        run.truncateMetricsAfter(step);
        opts.log.warn({ err: err.message, to: ckpt?.dir ?? 'the initial weights', step, rollback: rollbacks }, 'numerical fault: rolled back');
        opts.onEvent?.(`numerical fault (${err.message}); rolled back to step ${step} (${rollbacks} of ${config.train.maxRollbacks})`);
        continue;
      }
      const done = step + 1;
      const seconds = (performance.now() - t0) / 1000;
      const line: Record<string, number> = {
        step: done,
        epoch: samplesBefore(done, config) / (Math.max(1, batchesBefore(1, config)) * data.count), // a first stage may use no real data
        ...stats,
        ...Object.fromEntries(Object.entries(plan.lr).map(([k, v]) => [`lr/${k}`, v])),
        'samples/s': B / seconds,
        ...(plan.stage ? { 'stage/index': plan.stage.index, 'stage/alpha': plan.stage.alpha, 'stage/batchSize': B } : {}),
        ...(plan.stage?.resolution !== undefined ? { 'stage/resolution': plan.stage.resolution } : {}),
        'time/step_ms': seconds * 1000,
        'time/compute_ms': time.compute,
        'time/send_ms': time.send,
        'time/wait_ms': time.wait,
        'time/reduce_ms': time.reduce,
        'time/optim_ms': time.optim,
        'comm/in_bytes': traffic.in,
        'comm/out_bytes': traffic.out,
      };
      if (done % config.train.logEvery === 0 || done === steps) run.appendMetrics(line);
      opts.onStep?.(line);
      const verdict = stopper.observe(done, line);
      const stateMeta = () => ({ round, batchesConsumed: batchesBefore(done, config), ...(stopper.enabled ? { earlyStop: { ...stopper.state } } : {}) });
      if (verdict.improved) {
        // The best checkpoint so far, kept apart from the rolling ones: <run>/best/checkpoints/step-XXXXXX.
        const best = await saveCheckpoint(path.join(run.dir, 'best'), master.checkpoint(done, stateMeta()), { keep: 1 });
        opts.onEvent?.(`best ${config.train.earlyStop.metric} ${verdict.value?.toPrecision(5)}: ${best}`);
      }
      let stopEarly = false;
      stallAfter(done);
      if (evaluator?.due(done)) {
        const verdict = evaluator.evaluate(done, master.sampleNets());
        for (const r of verdict.records) run.appendMetrics({ step: done, ...r });
        opts.onEvent?.(describeEval(done, verdict.records) + (verdict.best ? ' (best so far)' : ''));
        if (verdict.best && config.eval.keepBest) {
          const meta = { round, batchesConsumed: batchesBefore(done, config), fid: verdict.fid };
          await saveCheckpoint(path.join(run.dir, 'best'), master.checkpoint(done, meta), { keep: 1 });
        }
        stopEarly = verdict.stop;
        if (stopEarly) opts.onEvent?.(`early stop at step ${done}: no lower FID in ${config.eval.patience} evaluations`);
      }
      const last = done === steps || verdict.stop || stopEarly;
      if (done % config.train.sampleEvery === 0 || last) {
        result.lastSample = run.writeSample(done, gridPng(sampleImages(config, master.sampleNets(), 64), data.height, data.width, { rows: 8, cols: 8 }));
        for (const [name, png] of Object.entries(extraGrids(config, master.sampleNets(), opts.testData))) run.writeGrid(done, name, png);
      }
      if (opts.testData && Math.floor((done * batchSize) / data.count) > Math.floor((step * batchSize) / data.count)) {
        const epoch = Math.floor((done * batchSize) / data.count);
        const elbo = testElbo(config, master.models(), opts.testData, epoch);
        result.lastElbo = elbo;
        run.appendMetrics({ step: done, epoch, 'elbo/test': elbo });
        opts.onEvent?.(`epoch ${epoch}: test ELBO ${elbo.toFixed(2)} nats per sample (${opts.testData.count} held-out digits)`);
      }
      if (done % config.train.checkpointEvery === 0 || last) {
        checkpoint = await saveCheckpoint(run.dir, master.checkpoint(done, stateMeta()), {
          keep: config.train.keepCheckpoints,
        });
        opts.onEvent?.(`checkpoint ${checkpoint}`);
      }
      result.steps = done;
      result.checkpoint = checkpoint;
      if (verdict.stop) {
        result.bestStep = stopper.state.bestStep;
        run.appendMetrics({ step: done, 'earlyStop/best': stopper.state.best ?? NaN, 'earlyStop/bestStep': stopper.state.bestStep });
        opts.onEvent?.(`early stop at step ${done}: ${config.train.earlyStop.metric} has not improved for ${config.train.earlyStop.patience} checks (best at step ${stopper.state.bestStep})`);
        break;
      }
      if (stopEarly) break;
      step = done;
    }
  } finally {
    master.dispose();
    evaluator?.dispose();
  }
  return result;
}

/** A fresh master state with the warm start's weights copied in (the optimizer state stays fresh). */
function warmed(master: MasterState, warm: WarmStartPlan | undefined): MasterState {
  warm?.apply(master.weights);
  return master;
}

/** Copies the images of every micro-shard of the batch at stream position `start` into one buffer per shard. */
function shardsOf(data: Dataset, sampler: Sampler, start: number, shards: number, shardSize: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const per = data.height * data.width * data.channels;
  for (let s = 0; s < shards; s++) {
    const buf = new Uint8Array(shardSize * per);
    sampler.range(start + s * shardSize, shardSize).forEach((idx, j) => buf.set(data.pixels(idx), j * per));
    out.push(buf);
  }
  return out;
}

/** The class labels of every micro-shard of the batch at stream position `start` (conditional families). */
function labelsOf(data: Dataset, sampler: Sampler, start: number, shards: number, shardSize: number): Uint8Array[] {
  return Array.from({ length: shards }, (_, s) => Uint8Array.from(sampler.range(start + s * shardSize, shardSize), (idx) => data.label(idx)));
}

/**
 * Fault injection for tests and drills: GANYMEDE_CHAOS_STALL=<step>:<seconds> blocks the coordinator's JS
 * thread for that long after the step, as a long synchronous evaluation does (workers must wait it out).
 */
function chaosStall(spec: string | undefined): (step: number) => void {
  const [at, seconds] = (spec ?? '').split(':').map(Number);
  if (!(seconds > 0)) return () => undefined;
  return (step) => {
    if (step === at) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
  };
}
