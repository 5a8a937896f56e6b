// The coordinator's side of the wire: binds the ROUTER socket (CURVE-encrypted when keys are set), admits
// workers at any time, runs rounds (weights out, work out, gradients in, fixed-tree reduction) and keeps them
// going when workers die, hang, leave or join: a lost worker's blocks are given to live ones, a silent or slow
// one's are recomputed speculatively, the first valid result wins. The reduction order never depends on who
// computed what, so none of this changes the result (DESIGN.md §3).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as zmq from 'zeromq';
import type { Logger } from 'pino';
import type { Config } from '../src/config/index.js';
import { NumericalError, ProtocolError, WorkerError } from '../src/errors.js';
import { allFinite, decode, encode, isError, SendQueue, type HeaderOf, type Message, type OutgoingHeader, type WireTensor } from '../src/protocol/index.js';
import type { CurveServer } from '../src/protocol/curve.js';
import { assignShards, type Block } from '../src/train/reduce.js';
import { batchSizeAt } from '../src/train/stages.js';
import { WorkerReduction } from './worker-reduction.js';
import { EagerSum } from './eager-sum.js';
import { describe, Membership, type Member } from './membership.js';
import { blockKey, RoundWork, type BlockResult } from './round-work.js';
import { authorize } from './zap.js';

/** A straggler's block is copied to an idle worker once it has run this many times the round's median block time. */
const STRAGGLER_FACTOR = 3;
const STRAGGLER_MIN_MS = 1000;
/** A block is never held by more than this many live workers at once (the original and one backup). */
const MAX_COPIES = 2;
/** A block that fails on this many different workers fails the run (it is the block, not the workers). */
const MAX_BLOCK_FAILURES = 2;
/** How often a paused coordinator says why. */
const WAIT_LOG_MS = 5000;

export interface ClusterOptions {
  config: Readonly<Config>;
  bind: string;
  token: string;
  log: Logger;
  /** CURVE keys: when set, the socket is encrypted and only the listed worker keys get in. */
  curve?: CurveServer;
  /** Membership events for the run's timeline (joins, failures, leaves, suspects, speculative copies, pauses). */
  onMemberEvent?: (e: MemberEvent) => void;
}

export interface MemberEvent {
  type: 'join' | 'failure' | 'leave' | 'suspect' | 'speculate' | 'pause' | 'resume';
  /** epoch ms */
  t: number;
  worker?: string;
  message?: string;
  step?: number;
}

/** Who computed which block when (epoch ms), for the run's timeline. */
export interface BlockTiming { worker: string; rank: number; lo: number; n: number; sent: number; received: number; computeMs: number }

/** One round's work order, as the trainer describes it. */
export interface RoundOrder {
  round: number;
  step: number;
  phase: string;
  tag: string;
  /** Networks the round updates (for messages about it). */
  nets: readonly string[];
  /** Per shard: its images (uint8, [shardSize, H, W, C]) when the phase uses data. */
  shardImages?: Uint8Array[];
  /** Per shard: its class labels (uint8, [shardSize]) when the model is class-conditional. */
  shardLabels?: Uint8Array[];
  imageShape: number[];
  /** Every network the round reads, with its version and wire tensors (sent to workers that lack it). */
  weights: Record<string, { version: number; tensors: () => WireTensor[] }>;
  /** Sizes of the arrays the gradient must have, in order. */
  gradSizes: number[];
}

export interface RoundResult {
  grads: Float32Array[];
  stats: Record<string, number>;
  /** ms: sending, waiting for all blocks, reducing; the slowest worker block's compute time. */
  timing: { send: number; wait: number; reduce: number; compute: number };
  /** The accepted result of each block: who computed it, when. */
  blocks: BlockTiming[];
  /** Bytes the coordinator's socket received and sent during the round (its link's traffic), and who reduced it. */
  traffic: { in: number; out: number; reduce: 'star' | 'allreduce' };
}

interface Pending {
  order: RoundOrder;
  work: RoundWork;
  /** The reduction so far: blocks are summed along the tree as they arrive. */
  sum: EagerSum;
  /** ms spent summing when the last block came in: reduction the waiting did not hide (counted as reduce, not wait). */
  tailMs: number;
  compute: number;
  blocks: BlockTiming[];
  /** When the round first had open blocks and nobody to give them to. */
  stalledSince?: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class Cluster {
  readonly runId = randomBytes(6).toString('hex');
  readonly members = new Membership();
  private readonly socket: zmq.Router;
  private readonly out: SendQueue;
  private pending?: Pending;
  /** Rounds the workers reduce among themselves (cluster.reduce: allreduce). */
  private readonly reduction: WorkerReduction;
  /** Bytes received and sent on the coordinator's socket so far. */
  private readonly traffic = { in: 0, out: 0 };
  private failure?: Error;
  private timer?: NodeJS.Timeout;
  /** Wakes a wait for workers when membership changes. */
  private wake?: () => void;
  private readonly waiters = new Set<(err: Error) => void>();
  private stopAuth?: () => void;
  private closed = false;
  private lastWaitLog = 0;
  /** Running mean of one micro-shard's compute time, ms: a worker is suspect only when silent well past it. */
  private shardMs = 0;
  private readonly rejected = { shown: 0, hidden: 0, windowStart: 0 };

  constructor(private readonly opts: ClusterOptions) {
    const c = opts.config.cluster;
    const curve = opts.curve;
    this.socket = new zmq.Router({
      linger: 1000,
      mandatory: true,
      maxMessageSize: c.maxMessageBytes,
      heartbeatInterval: Math.round(c.heartbeatInterval * 1000),
      heartbeatTimeout: Math.round(c.peerTimeout * 1000),
      ...(curve ? { curveServer: true, curveSecretKey: curve.secretKey, curvePublicKey: curve.publicKey, zapDomain: `ganymede-${this.runId}` } : {}),
    });
    this.out = new SendQueue(this.socket);
    this.reduction = new WorkerReduction({
      config: opts.config, log: opts.log, runId: this.runId, curve: Boolean(curve), live: () => this.members.live(),
      send: (m, header, tensors) => this.send(m, header, tensors),
      dispatch: (m, order, blocks, allreduce) => this.dispatch(m, order, blocks, allreduce),
      lose: (m, reason) => this.lose(m, reason),
      shardMs: (block) => {
        if (block) this.noteShardMs(block.computeMs / block.n);
        return this.shardMs;
      },
    });
  }

  /** Binds and starts receiving; returns the bound endpoint (with the real port when it was 0). */
  async start(): Promise<string> {
    if (this.opts.curve) {
      this.stopAuth = await authorize(`ganymede-${this.runId}`, this.opts.curve.clients, (address, reason) =>
        this.noteRejected({ from: address, err: `CURVE: ${reason}` }),
      );
    }
    await this.socket.bind(this.opts.bind);
    void this.receive();
    void this.watchConnections();
    this.timer = setInterval(() => this.tick(), this.opts.config.cluster.heartbeatInterval * 1000);
    return this.socket.lastEndpoint ?? this.opts.bind;
  }

  /** Workers the run waits for at its start. */
  get expected(): number {
    return this.opts.config.cluster.workers;
  }

  get maxWorkers(): number {
    return this.opts.config.cluster.maxWorkers ?? this.expected;
  }

  /**
   * Resolves once cluster.workers workers are healthy; after `timeoutS` seconds, starts with fewer when at
   * least cluster.minWorkers are (the rest may join later), and rejects otherwise.
   */
  async waitForWorkers(timeoutS: number): Promise<void> {
    const deadline = Date.now() + timeoutS * 1000;
    await this.waitUntil(() => this.members.healthy().length >= this.expected, deadline);
    const n = this.members.healthy().length;
    if (n >= this.expected) return;
    if (n >= this.opts.config.cluster.minWorkers) {
      this.opts.log.warn({ healthy: n, expected: this.expected }, `only ${n} of ${this.expected} workers joined within ${timeoutS} s; starting, the others may join later`);
      return;
    }
    throw new WorkerError(`only ${n} of ${this.expected} workers joined within ${timeoutS} s (cluster.minWorkers is ${this.opts.config.cluster.minWorkers})`, {
      hint: 'are the workers running, pointed at this coordinator, and holding the same GANYMEDE_TOKEN (and CURVE keys)?',
    });
  }

  /** Marks the run failed: the current (or next) round and every wait reject with this error. */
  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.emit({ type: 'failure', message: err.message });
    this.pending?.reject(err);
    this.reduction.reject(err);
    for (const reject of this.waiters) reject(err);
  }

  /** Runs one round to completion over whichever workers are (or become) available. */
  async round(order: RoundOrder): Promise<RoundResult> {
    if (this.failure) throw this.failure;
    await this.quorum();
    const before = { ...this.traffic };
    const traffic = (reduce: 'star' | 'allreduce') => ({ in: this.traffic.in - before.in, out: this.traffic.out - before.out, reduce });
    const group = this.reduction.group(this.members.healthy());
    if (group) {
      const res = await this.reduction.round(order, group.workers, group.blocks);
      if (res) return { ...res, traffic: traffic('allreduce') };
    }
    const workers = this.members.healthy();
    const assignment = assignShards(this.opts.config.train.microShards, workers.length);
    const started = performance.now();
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const pending: Pending = { order, work: new RoundWork(assignment.flat()), sum: new EagerSum(this.opts.config.train.microShards), tailMs: 0, compute: 0, blocks: [], resolve, reject };
    this.pending = pending;
    workers.forEach((m, i) => assignment[i].length > 0 && this.give(m, assignment[i]));
    const sent = performance.now();
    try {
      await done;
    } finally {
      this.pending = undefined;
      for (const m of this.members.live()) m.outstanding.clear();
    }
    const received = performance.now();
    const total = pending.sum.result(); // most of the adds were done while waiting for the last blocks
    const tail = pending.tailMs;
    const timing = { send: sent - started, wait: received - sent - tail, reduce: performance.now() - received + tail, compute: pending.compute };
    return { grads: total.grads, stats: total.stats, timing, blocks: pending.blocks.sort((a, b) => a.lo - b.lo), traffic: traffic('star') };
  }

  /** Waits (logging why every few seconds) until at least cluster.minWorkers workers are healthy. */
  private async quorum(): Promise<void> {
    const { minWorkers, waitTimeout } = this.opts.config.cluster;
    if (this.members.healthy().length >= minWorkers) return;
    this.emit({ type: 'pause', message: `${this.members.healthy().length} of ${minWorkers} workers` });
    const deadline = Date.now() + waitTimeout * 1000;
    await this.waitUntil(() => this.members.healthy().length >= minWorkers, deadline, () =>
      this.opts.log.warn(
        { healthy: this.members.healthy().length, minWorkers, failsIn: Math.round((deadline - Date.now()) / 1000) },
        `paused: ${this.members.healthy().length} live workers, cluster.minWorkers is ${minWorkers}; waiting for workers to join`,
      ),
    );
    if (this.members.healthy().length < minWorkers) {
      throw new WorkerError(`fewer than cluster.minWorkers (${minWorkers}) workers for ${waitTimeout} s (cluster.waitTimeout)`, {
        hint: 'start more workers (they may join at any time), or resume the run later from its last checkpoint',
      });
    }
    this.emit({ type: 'resume' });
    this.opts.log.info({ healthy: this.members.healthy().length }, 'enough workers again; going on');
  }

  /** Resolves when `ready()` holds or at `deadline`; rejects when the run fails. Calls `onWait` every few seconds. */
  private async waitUntil(ready: () => boolean, deadline: number, onWait?: () => void): Promise<void> {
    if (this.failure) throw this.failure;
    onWait?.();
    while (!ready() && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      let onFailure: ((err: Error) => void) | undefined;
      await new Promise<void>((resolve, reject) => {
        this.wake = resolve;
        onFailure = reject;
        this.waiters.add(reject);
        timer = setTimeout(resolve, Math.min(WAIT_LOG_MS, Math.max(0, deadline - Date.now())));
      }).finally(() => {
        clearTimeout(timer);
        if (onFailure) this.waiters.delete(onFailure);
        this.wake = undefined;
      });
      if (!ready() && Date.now() < deadline && Date.now() - this.lastWaitLog >= WAIT_LOG_MS) {
        this.lastWaitLog = Date.now();
        onWait?.();
      }
    }
  }

  /** Gives blocks of the current round to a worker: WEIGHTS it lacks, then one WORK. A send that fails loses it. */
  private give(m: Member, blocks: Block[]): void {
    const p = this.pending;
    if (!p) return;
    p.work.give(m.id, blocks, Date.now());
    for (const b of blocks) m.outstanding.add(blockKey(b));
    this.dispatch(m, p.order, blocks).catch((err: NodeJS.ErrnoException) => this.lose(m, `cannot be reached (${err.code ?? err.message})`));
  }

  private async dispatch(m: Member, order: RoundOrder, blocks: Block[], allreduce?: { index: number; peers: string[] }): Promise<void> {
    for (const [net, w] of Object.entries(order.weights)) {
      if (m.sent[net] === w.version) continue;
      await this.send(m, { type: 'WEIGHTS', run: this.runId, net, version: w.version }, w.tensors());
      m.sent[net] = w.version;
    }
    const shardSize = batchSizeAt(order.step, this.opts.config) / this.opts.config.train.microShards;
    const tensors: WireTensor[] = [];
    if (order.shardImages) {
      for (const b of blocks) {
        for (let s = b.lo; s < b.lo + b.n; s++) {
          tensors.push({ name: `x/${s}`, dtype: 'uint8', shape: [shardSize, ...order.imageShape], data: order.shardImages[s] });
          if (order.shardLabels) tensors.push({ name: `y/${s}`, dtype: 'uint8', shape: [shardSize], data: order.shardLabels[s] });
        }
      }
    }
    const versions = Object.fromEntries(Object.entries(order.weights).map(([net, w]) => [net, w.version]));
    await this.send(
      m,
      { type: 'WORK', run: this.runId, round: order.round, step: order.step, phase: order.phase, tag: order.tag, versions, blocks, shardSize, ...(allreduce ? { allreduce } : {}) },
      tensors,
    );
  }

  private send(m: Member, header: OutgoingHeader, tensors: WireTensor[] = []): Promise<void> {
    const frames = encode(header, tensors);
    for (const f of frames) this.traffic.out += f.byteLength;
    return this.out.send([m.identity, ...frames]);
  }

  /** A worker is gone for good (dead, hung, cut off, or failed): its blocks go to others. */
  private lose(m: Member, reason: string): void {
    if (!this.members.move(m, 'lost')) return;
    this.opts.log.warn({ worker: describe(m), reason }, `${describe(m)} lost: ${reason}; its blocks go to other workers`);
    this.emit({ type: 'failure', worker: describe(m), message: `lost: ${reason}` });
    this.pending?.work.drop(m.id);
    this.reduction.giveUp(`${describe(m)} lost`, m);
    this.rebalance();
  }

  /** Gives every orphaned block of the round to the least-busy healthy worker, and speculative copies to idle ones. */
  private rebalance(): void {
    const p = this.pending;
    if (!p || this.failure) return;
    const healthy = this.members.healthy();
    const orphans = p.work.orphans();
    if (orphans.length > 0 && healthy.length > 0) {
      const given = new Map<Member, Block[]>();
      for (const b of orphans) {
        const load = (m: Member) => m.outstanding.size + (given.get(m)?.length ?? 0);
        const target = healthy.reduce((best, m) => (load(m) < load(best) ? m : best));
        given.set(target, [...(given.get(target) ?? []), b]);
      }
      for (const [m, blocks] of given) {
        this.opts.log.info({ worker: describe(m), round: p.order.round, blocks: blocks.map(blockKey) }, 'reassigned blocks');
        this.give(m, blocks);
      }
    }
    const idle = this.members.healthy().filter((m) => m.outstanding.size === 0);
    if (idle.length === 0) return;
    const isSuspect = (id: string) => this.members.live().find((m) => m.id === id)?.state === 'suspect';
    const copies = p.work.speculative(isSuspect, Date.now(), { factor: STRAGGLER_FACTOR, minMs: STRAGGLER_MIN_MS, maxCopies: MAX_COPIES });
    copies.slice(0, idle.length).forEach((b, i) => {
      this.opts.log.info({ worker: describe(idle[i]), round: p.order.round, block: blockKey(b) }, 'speculative copy of a slow block');
      this.emit({ type: 'speculate', worker: describe(idle[i]), message: `block ${blockKey(b)} of round ${p.order.round}`, step: p.order.step });
      this.give(idle[i], [b]);
    });
  }

  private tick(): void {
    const now = Date.now();
    const c = this.opts.config.cluster;
    for (const m of this.members.live()) {
      if (now - m.lastSeen > c.heartbeatTimeout * 1000) {
        this.lose(m, `sent nothing for ${c.heartbeatTimeout} s (cluster.heartbeatTimeout)`);
        continue;
      }
      const suspectMs = Math.max(c.suspectAfter * 1000, 3 * this.shardMs);
      if (m.state === 'healthy' && m.outstanding.size > 0 && now - m.lastSeen > suspectMs) {
        this.members.move(m, 'suspect');
        this.reduction.giveUp(`${describe(m)} is silent`, m);
        this.opts.log.warn({ worker: describe(m), silentS: (now - m.lastSeen) / 1000 }, 'worker is silent while holding work: suspect');
        this.emit({ type: 'suspect', worker: describe(m) });
      }
      this.send(m, { type: 'HEARTBEAT', run: this.runId }).catch((err: NodeJS.ErrnoException) =>
        this.lose(m, `cannot be reached (${err.code ?? err.message})`),
      );
    }
    this.rebalance();
    this.checkStalled(now);
    this.reduction.check(now);
  }

  /** A round whose open blocks have nobody to go to waits for a worker, up to cluster.waitTimeout. */
  private checkStalled(now: number): void {
    const p = this.pending;
    if (!p) return;
    if (this.members.healthy().length > 0 || p.work.orphans().length === 0) {
      p.stalledSince = undefined;
      return;
    }
    p.stalledSince ??= now;
    const { waitTimeout } = this.opts.config.cluster;
    if (now - p.stalledSince > waitTimeout * 1000) {
      this.fail(new WorkerError(`round ${p.order.round} (step ${p.order.step}) had no live worker for ${waitTimeout} s (cluster.waitTimeout)`, {
        hint: 'start workers (they may join at any time), or resume the run later from its last checkpoint',
      }));
    } else if (now - this.lastWaitLog >= WAIT_LOG_MS) {
      this.lastWaitLog = now;
      this.opts.log.warn(
        { round: p.order.round, failsIn: Math.round((waitTimeout * 1000 - (now - p.stalledSince)) / 1000) },
        'paused: no live worker for the open blocks; waiting for workers to join',
      );
    }
  }

  private async receive(): Promise<void> {
    try {
      for await (const [identity, ...frames] of this.socket) {
        for (const f of frames) this.traffic.in += f.byteLength;
        let msg: Message;
        try {
          // Gradients are checked for finiteness in grads(), where a bad value is a numerical fault, not a bad message.
          msg = decode(frames, { checkFinite: false });
        } catch (err) {
          this.reject(identity, err as Error, frames);
          continue;
        }
        try {
          this.handle(identity, msg);
        } catch (err) {
          if (err instanceof NumericalError) {
            this.pending?.reject(err);
            this.reduction.reject(err);
          } else this.reject(identity, err as Error, frames);
        }
      }
    } catch (err) {
      if (!this.closed) this.fail(err as Error);
    }
  }

  /** Logs refused connections (CURVE handshakes that failed). */
  private async watchConnections(): Promise<void> {
    try {
      for await (const e of this.socket.events) {
        if (e.type.startsWith('handshake:error')) {
          const address = 'address' in e ? String(e.address) : '?';
          const err = `${e.type}${'error' in e && e.error ? `: ${e.error.message}` : ''}`;
          // A TCP probe (readiness check, `ganymede health`) connects and hangs up before any handshake: not an intruder.
          if (/reset by peer|Broken pipe|Connection closed/i.test(err)) this.opts.log.debug({ from: address, err }, 'connection closed before its handshake');
          else this.noteRejected({ from: address, err });
        }
      }
    } catch {
      // the socket closed
    }
  }

  /** Answers a bad message with ERROR (but never an ERROR with an ERROR) and logs it; never throws. */
  private reject(identity: Buffer, err: Error, frames?: Buffer[]): void {
    this.noteRejected({ from: identity.toString('hex'), err: err.message });
    if (frames && isError(frames)) return;
    const reply = encode({ type: 'ERROR', run: this.runId, code: 'bad-message', message: err.message });
    this.out.send([identity, ...reply]).catch(() => undefined);
  }

  /** Logs a rejected message or connection; a flood is summarised (20 lines per 10 s, then a count). */
  private noteRejected(what: { from: string; err: string }): void {
    const now = Date.now();
    const r = this.rejected;
    if (now - r.windowStart > 10_000) {
      if (r.hidden > 0) this.opts.log.warn({ count: r.hidden }, `${r.hidden} more messages or connections rejected in the last 10 s`);
      Object.assign(r, { shown: 0, hidden: 0, windowStart: now });
    }
    if (r.shown++ < 20) this.opts.log.warn(what, 'rejected a message');
    else r.hidden++;
  }

  private handle(identity: Buffer, msg: Message): void {
    const { header } = msg;
    const member = this.members.get(identity);
    if (!member) {
      if (header.type === 'HELLO') return this.hello(identity, header);
      if (header.type === 'ERROR' || header.type === 'LEAVE') return;
      // A worker this coordinator does not know: it was declared lost, or this coordinator restarted.
      void this.out
        .send([identity, ...encode({ type: 'ERROR', run: this.runId, code: 'rejoin', message: `coordinator run ${this.runId} does not know this worker: say HELLO` })])
        .catch(() => undefined);
      return;
    }
    if (header.run !== this.runId) throw new ProtocolError(`message for run '${header.run}', this is run '${this.runId}'`);
    member.lastSeen = Date.now();
    if (member.state === 'suspect' && this.members.move(member, 'healthy')) {
      this.opts.log.info({ worker: describe(member) }, 'suspect worker answered again');
    }
    if (member.state === 'joining' && header.type !== 'HELLO') this.ready(member);
    switch (header.type) {
      case 'HELLO':
        throw new ProtocolError('a second HELLO from the same connection');
      case 'HEARTBEAT':
        return;
      case 'PEER':
        member.peer = header.address;
        return;
      case 'GRADS':
        return this.grads(member, header, msg.tensors);
      case 'LEAVE':
        if (this.members.move(member, 'left')) {
          this.opts.log.info({ worker: describe(member), reason: header.reason }, 'worker left');
          this.emit({ type: 'leave', worker: describe(member), message: header.reason });
          this.pending?.work.drop(member.id);
          this.reduction.giveUp(`${describe(member)} left`, member);
          this.rebalance();
        }
        return;
      case 'ERROR':
        return this.workerError(member, header);
      default:
        throw new ProtocolError(`unexpected ${header.type} message at the coordinator`);
    }
  }

  private hello(identity: Buffer, header: HeaderOf<'HELLO'>): void {
    const expected = Buffer.from(this.opts.token);
    const given = Buffer.from(header.token);
    const refuse = (message: string) => {
      this.noteRejected({ from: identity.toString('hex'), err: message });
      void this.out.send([identity, ...encode({ type: 'ERROR', run: this.runId, code: 'refused', message })]).catch(() => undefined);
    };
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return refuse('HELLO with a wrong run token');
    const taken = this.members.live().filter((m) => m.state !== 'suspect').length;
    if (taken >= this.maxWorkers) return refuse(`the run is full (cluster.maxWorkers is ${this.maxWorkers})`);
    const m = this.members.add(identity, { rank: header.rank, pid: header.pid, host: header.host });
    this.opts.log.info({ worker: describe(m) }, 'worker joining');
    this.send(m, { type: 'WELCOME', run: this.runId, workerId: m.id, config: this.opts.config }).catch((err: NodeJS.ErrnoException) =>
      this.lose(m, `cannot be reached (${err.code ?? err.message})`),
    );
  }

  /** A joining worker's first message after WELCOME: its replica is built, it can take work. */
  private ready(m: Member): void {
    if (!this.members.move(m, 'healthy')) return;
    this.opts.log.info({ worker: describe(m), healthy: this.members.healthy().length }, 'worker joined');
    this.emit({ type: 'join', worker: describe(m) });
    this.wake?.();
    this.rebalance();
  }

  private workerError(m: Member, header: HeaderOf<'ERROR'>): void {
    if (this.reduction.holds(header.round) && header.code !== 'worker-failed') {
      if (header.code === 'non-finite') throw new NumericalError(`${header.message} (from ${describe(m)})`);
      return this.reduction.giveUp(`${describe(m)}: ${header.code}: ${header.message}`, m);
    }
    if (header.code === 'peer-failed') return; // of a worker-side reduction already given up
    const p = this.pending;
    const inRound = p !== undefined && header.round === p.order.round;
    switch (header.code) {
      case 'non-finite':
        if (inRound) throw new NumericalError(`${header.message} (from ${describe(m)})`);
        return;
      case 'worker-failed': {
        const failures = inRound && header.block ? p.work.fail(m.id, header.block) : 0;
        this.lose(m, `failed: ${header.message}`);
        if (failures >= MAX_BLOCK_FAILURES) {
          this.fail(new WorkerError(`block ${blockKey(header.block as Block)} of step ${p?.order.step} failed on ${failures} workers: ${header.message}`));
        }
        return;
      }
      default:
        // The worker dropped something we sent. When it is this round's WORK, the worker no longer holds its
        // blocks: resend its weights and give the blocks out again.
        this.opts.log.warn({ worker: describe(m), code: header.code, message: header.message }, 'a worker rejected a message');
        if (inRound && m.outstanding.size > 0) {
          p.work.drop(m.id);
          m.outstanding.clear();
          m.sent = {};
          this.rebalance();
        }
    }
  }

  private grads(m: Member, header: HeaderOf<'GRADS'>, tensors: WireTensor[]): void {
    if (header.chunk) return this.reduction.chunk(m, header, tensors);
    const p = this.pending;
    if (!p || header.round !== p.order.round) {
      this.opts.log.debug({ worker: describe(m), round: header.round }, 'late GRADS dropped');
      return;
    }
    const k = blockKey(header.block);
    if (!p.work.wasGiven(m.id, header.block)) {
      throw new ProtocolError(`GRADS for block ${k} of round ${header.round}, which this worker was not given`);
    }
    m.outstanding.delete(k);
    if (p.work.isDone(header.block)) return; // a duplicate (speculative copy): the first result won
    const sizes = p.order.gradSizes;
    if (tensors.length !== sizes.length || tensors.some((t, i) => t.dtype !== 'float32' || t.data.length !== sizes[i])) {
      p.work.drop(m.id);
      this.rebalance();
      throw new ProtocolError(`GRADS round ${header.round} block ${k}: expected ${sizes.length} float32 tensors of sizes [${sizes}]`);
    }
    const grads = tensors.map((t) => t.data as Float32Array);
    const bad = grads.findIndex((g) => !allFinite(g));
    const badStat = Object.entries(header.stats).find(([, v]) => !Number.isFinite(v));
    if (bad >= 0 || badStat) {
      const o = p.order;
      const what = bad >= 0 ? `gradient tensor ${bad}` : `statistic ${badStat?.[0]}`;
      throw new NumericalError(
        `non-finite ${what} of ${o.nets.join('+')} in step ${o.step} (${o.tag} round), micro-shards ${header.block.lo}..${header.block.lo + header.block.n - 1}, from ${describe(m)}`,
      );
    }
    const result: BlockResult = { grads, stats: header.stats };
    const now = Date.now();
    const sent = p.work.givenAt(m.id, header.block) ?? now;
    p.work.accept(m.id, header.block, result, now);
    const adding = performance.now();
    p.sum.add(header.block, result);
    p.tailMs = performance.now() - adding;
    p.blocks.push({ worker: describe(m), rank: m.rank, lo: header.block.lo, n: header.block.n, sent, received: now, computeMs: header.computeMs });
    p.compute = Math.max(p.compute, header.computeMs);
    this.noteShardMs(header.computeMs / header.block.n);
    if (p.work.complete()) p.resolve();
    else this.rebalance();
  }

  /** Running mean of one micro-shard's compute time. */
  private noteShardMs(perShard: number): void {
    this.shardMs = this.shardMs === 0 ? perShard : 0.8 * this.shardMs + 0.2 * perShard;
  }

  private emit(e: Omit<MemberEvent, 't'>): void {
    this.opts.onMemberEvent?.({ t: Date.now(), ...e });
  }

  /** Tells every worker to stop (`final`: the run is over) or to wait for a successor, and closes the socket. */
  async close(reason: string, final = true): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    const live = this.members.live();
    const sent = Promise.all(live.map((m) => this.send(m, { type: 'SHUTDOWN', run: this.runId, reason, final }).catch(() => undefined)));
    // A SHUTDOWN to a worker whose link is going down (one just SIGKILLed) can meet a pipe that is neither open
    // nor gone: under ROUTER_MANDATORY libzmq answers EAGAIN and zeromq.js waits for it forever (libzmq #2348,
    // #2831). Seen as a run that never ended after a worker died. So the sends get cluster.peerTimeout, then the
    // socket closes regardless (closing it ends a stuck send); a live worker has had its SHUTDOWN by then.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([sent, new Promise((resolve) => (timer = setTimeout(resolve, this.opts.config.cluster.peerTimeout * 1000)))]);
    clearTimeout(timer);
    this.closed = true;
    this.socket.close();
    this.stopAuth?.();
  }
}

