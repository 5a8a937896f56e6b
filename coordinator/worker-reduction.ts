// The coordinator's side of worker-side reduction rounds (cluster.reduce: allreduce; docs/benchmarks.md
// "Worker-side reduction"): whether a round can go that way, the weights sent in parts, the WORK that names each
// worker's peers, the reduced chunks coming back, and giving a round up (a worker lost, left, silent, or a peer
// failing) so that the cluster runs it as star instead. Holds no socket: the cluster lends it send and dispatch.
import type { Logger } from 'pino';
import type { Config } from '../src/config/index.js';
import { NumericalError, ProtocolError } from '../src/errors.js';
import type { HeaderOf, OutgoingHeader, WireTensor } from '../src/protocol/index.js';
import { finalSpan, flatten, halvingBlocks } from '../src/train/halving.js';
import type { Block } from '../src/train/reduce.js';
import { AllReduceWork } from './allreduce.js';
import type { BlockTiming, RoundOrder, RoundResult } from './cluster.js';
import { describe, type Member } from './membership.js';
import { blockKey } from './round-work.js';

/** What the reduction needs from the cluster. */
export interface ReductionHost {
  config: Readonly<Config>;
  log: Logger;
  runId: string;
  /** Whether the coordinator's socket uses CURVE (the peer links are not encrypted: star then). */
  curve: boolean;
  live(): Member[];
  send(m: Member, header: OutgoingHeader, tensors: WireTensor[]): Promise<void>;
  dispatch(m: Member, order: RoundOrder, blocks: Block[], allreduce: { index: number; peers: string[] }): Promise<void>;
  lose(m: Member, reason: string): void;
  /** Feeds a block's compute time into the cluster's running per-shard mean; returns that mean (ms). */
  shardMs(block?: { computeMs: number; n: number }): number;
}

/** A worker-side reduction round in progress. */
interface Collective {
  order: RoundOrder;
  work: AllReduceWork;
  compute: number;
  blocks: BlockTiming[];
  since: number;
  /** true: every chunk is in; false: the group failed, the coordinator reduces the round itself. */
  settle: (ok: boolean) => void;
  reject: (err: Error) => void;
}

export class WorkerReduction {
  private collective?: Collective;
  /** Why the last round was not reduced by the workers (logged when it changes). */
  private starReason = '';

  constructor(private readonly host: ReductionHost) {}

  /** The workers and their blocks when this round can be reduced by the workers; undefined (star) otherwise. */
  group(workers: Member[]): { workers: Member[]; blocks: Block[] } | undefined {
    const { config, log } = this.host;
    if (config.cluster.reduce !== 'allreduce') return undefined;
    const blocks = halvingBlocks(config.train.microShards, workers.length);
    const why = this.host.curve ? 'peer links are not encrypted: with CURVE keys the coordinator reduces every round'
      : !blocks ? `${workers.length} workers and ${config.train.microShards} micro-shards: worker-side reduction needs powers of two (at least 2 workers, at most one per micro-shard)`
        : workers.some((m) => !m.peer) ? 'a worker has no peer address' : '';
    if (why !== this.starReason) {
      this.starReason = why;
      if (why) log.info({ workers: workers.length }, `cluster.reduce is allreduce, but ${why}; the coordinator reduces (star)`);
    }
    return why || !blocks ? undefined : { workers, blocks };
  }

  /** Whether a worker-side reduction of `round` is in progress. */
  holds(round: number | undefined): boolean {
    return this.collective !== undefined && this.collective.order.round === round;
  }

  /**
   * One round reduced by the workers: each gets WORK with its block and the group's peer addresses, they reduce by
   * recursive halving and each sends back 1/N of the sum. Resolves undefined when the group fails (a worker lost,
   * left, silent or reporting a peer failure): the caller then runs the round as star.
   */
  async round(order: RoundOrder, workers: Member[], blocks: Block[]): Promise<Omit<RoundResult, 'traffic'> | undefined> {
    const started = performance.now();
    const work = new AllReduceWork(workers.map((m) => m.id), blocks, order.gradSizes);
    let settle!: (ok: boolean) => void;
    let reject!: (err: Error) => void;
    const done = new Promise<boolean>((res, rej) => {
      settle = res;
      reject = rej;
    });
    const c: Collective = { order, work, compute: 0, blocks: [], since: Date.now(), settle, reject };
    this.collective = c;
    const peers = workers.map((m) => m.peer as string);
    this.sendWeightParts(order, workers);
    workers.forEach((m, i) => {
      m.outstanding.add(blockKey(blocks[i]));
      this.host.dispatch(m, order, [blocks[i]], { index: i, peers }).catch((err: NodeJS.ErrnoException) => this.host.lose(m, `cannot be reached (${err.code ?? err.message})`));
    });
    const sent = performance.now();
    let ok: boolean;
    try {
      ok = await done;
    } finally {
      this.collective = undefined;
      for (const m of this.host.live()) m.outstanding.clear();
    }
    if (!ok) return undefined;
    const received = performance.now();
    const bad = work.nonFinite();
    if (bad >= 0) {
      throw new NumericalError(`non-finite sum of ${order.nets.join('+')} gradients in step ${order.step} (${order.tag} round), reduced by the workers (chunk of worker ${bad} of the group)`);
    }
    const total = work.result(this.host.config.train.microShards);
    const timing = { send: sent - started, wait: received - sent, reduce: performance.now() - received, compute: c.compute };
    return { grads: total.grads, stats: total.stats, timing, blocks: c.blocks.sort((a, b) => a.lo - b.lo) };
  }

  /**
   * The weights every worker of the group lacks go out in N parts, part i to worker i, and the workers gather the
   * rest from each other (recursive doubling): the coordinator's link sends each network once instead of N times.
   */
  private sendWeightParts(order: RoundOrder, workers: Member[]): void {
    for (const [net, w] of Object.entries(order.weights)) {
      if (workers.some((m) => m.sent[net] === w.version)) continue; // some hold it: whole weights to the others (dispatch)
      const tensors = w.tensors();
      const flat = flatten(tensors.map((t) => t.data as Float32Array));
      const layout = tensors.map((t) => ({ name: t.name, shape: t.shape }));
      workers.forEach((m, i) => {
        const s = finalSpan(i, workers.length, flat.length);
        const part = { ...s, total: flat.length, round: order.round, layout };
        this.host.send(m, { type: 'WEIGHTS', run: this.host.runId, net, version: w.version, part }, [{ name: `w/${s.offset}`, dtype: 'float32', shape: [s.length], data: flat.subarray(s.offset, s.offset + s.length) }])
          .catch((err: NodeJS.ErrnoException) => this.host.lose(m, `cannot be reached (${err.code ?? err.message})`));
        m.sent[net] = w.version;
      });
    }
  }

  /** The worker-side reduction of the round cannot finish (when `m` is given: if it is of the group): star takes over. */
  giveUp(why: string, m?: Member): void {
    const c = this.collective;
    if (!c || (m && c.work.indexOf(m.id) < 0)) return;
    this.host.log.warn({ round: c.order.round, reason: why }, `worker-side reduction of round ${c.order.round} given up (${why}); the coordinator reduces it`);
    // A worker may not have gathered the weights sent in parts: star sends them whole again.
    for (const member of this.host.live()) if (c.work.indexOf(member.id) >= 0) member.sent = {};
    this.collective = undefined;
    c.settle(false);
  }

  /** The run failed, or a numerical fault: the round in progress rejects with it. */
  reject(err: Error): void {
    this.collective?.reject(err);
  }

  /** A worker's span of the reduced gradient (GRADS with chunk). */
  chunk(m: Member, header: HeaderOf<'GRADS'>, tensors: WireTensor[]): void {
    const c = this.collective;
    if (!c || header.round !== c.order.round || !header.chunk) {
      this.host.log.debug({ worker: describe(m), round: header.round }, 'late reduced chunk dropped');
      return;
    }
    m.outstanding.delete(blockKey(header.block));
    let complete: boolean;
    try {
      if (tensors.length !== 1 || tensors[0].dtype !== 'float32') throw new ProtocolError(`GRADS chunk of round ${header.round}: one float32 tensor expected`);
      complete = c.work.accept(m.id, { block: header.block, stats: header.stats, chunk: header.chunk }, tensors[0].data as Float32Array);
    } catch (err) {
      this.giveUp(`a bad chunk from ${describe(m)}`);
      throw err;
    }
    c.blocks.push({ worker: describe(m), rank: m.rank, lo: header.block.lo, n: header.block.n, sent: c.since, received: Date.now(), computeMs: header.computeMs });
    c.compute = Math.max(c.compute, header.computeMs);
    this.host.shardMs({ computeMs: header.computeMs, n: header.block.n });
    if (complete) c.settle(true);
  }

  /** A safety net: a worker-side reduction far slower than its blocks' compute is given up (the workers' own peer timeouts come first). */
  check(now: number): void {
    const c = this.collective;
    if (!c) return;
    const { suspectAfter, peerTimeout } = this.host.config.cluster;
    const blockMs = this.host.shardMs() * c.work.blocks[0].n;
    if (now - c.since > blockMs + 2 * (Math.max(suspectAfter * 1000, 3 * blockMs) + peerTimeout * 1000)) this.giveUp('it took far longer than its compute');
  }
}
