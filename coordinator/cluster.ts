// The coordinator's side of the wire: binds the ROUTER socket, admits workers, runs rounds (weights out,
// work out, gradients in, fixed-tree reduction) and fails loudly, never hangs, when a worker is lost.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as zmq from 'zeromq';
import type { Logger } from 'pino';
import type { Config } from '../src/config/index.js';
import { ProtocolError, WorkerError } from '../src/errors.js';
import { decode, encode, isError, SendQueue, type HeaderOf, type Message, type OutgoingHeader, type WireTensor } from '../src/protocol/index.js';
import { addInto, addStats, assignShards, reduceNode, type Block } from '../src/train/reduce.js';
import { describe, Membership, type Member } from './membership.js';

const HEARTBEAT_MS = 1000;

export interface ClusterOptions {
  config: Readonly<Config>;
  bind: string;
  token: string;
  log: Logger;
}

/** One round's work order, as the trainer describes it. */
export interface RoundOrder {
  round: number;
  step: number;
  phase: string;
  tag: string;
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
}

interface Pending {
  order: RoundOrder;
  owner: Map<string, string>; // block key -> member id
  results: Map<string, { grads: Float32Array[]; stats: Record<string, number> }>;
  compute: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const key = (b: Block) => `${b.lo}:${b.n}`;

export class Cluster {
  readonly runId = randomBytes(6).toString('hex');
  readonly members = new Membership();
  private readonly socket: zmq.Router;
  private readonly out: SendQueue;
  private pending?: Pending;
  private failure?: Error;
  private timer?: NodeJS.Timeout;
  private joined?: () => void;
  /** Rejecters of waits other than a round (joining) that a failure must end too. */
  private readonly waiters = new Set<(err: Error) => void>();
  private closed = false;

  constructor(private readonly opts: ClusterOptions) {
    this.socket = new zmq.Router({ linger: 1000, mandatory: true, maxMessageSize: opts.config.cluster.maxMessageBytes });
    this.out = new SendQueue(this.socket);
  }

  /** Binds and starts receiving; returns the bound endpoint (with the real port when it was 0). */
  async start(): Promise<string> {
    await this.socket.bind(this.opts.bind);
    void this.receive();
    this.timer = setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    return this.socket.lastEndpoint ?? this.opts.bind;
  }

  /** Workers the run needs (cluster.workers); more are turned away. */
  get expected(): number {
    return this.opts.config.cluster.workers;
  }

  /** Resolves once cluster.workers workers have joined; rejects on failure or after `timeoutS` seconds. */
  async waitForWorkers(timeoutS: number): Promise<void> {
    const n = this.expected;
    if (this.failure) throw this.failure;
    if (this.members.healthy().length >= n) return;
    let timeout: NodeJS.Timeout | undefined;
    let onFailure: ((err: Error) => void) | undefined;
    await new Promise<void>((resolve, reject) => {
      this.joined = resolve;
      onFailure = reject;
      this.waiters.add(reject);
      timeout = setTimeout(
        () => reject(new WorkerError(`only ${this.members.healthy().length} of ${n} workers joined within ${timeoutS} s`)),
        timeoutS * 1000,
      );
    }).finally(() => {
      clearTimeout(timeout);
      if (onFailure) this.waiters.delete(onFailure);
      this.joined = undefined;
    });
  }

  /** Marks the run failed: the current (or next) round rejects with this error. */
  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.pending?.reject(err);
    for (const reject of this.waiters) reject(err);
  }

  /** Sends WEIGHTS where needed and WORK to every healthy worker, gathers GRADS, and reduces them. */
  async round(order: RoundOrder): Promise<RoundResult> {
    if (this.failure) throw this.failure;
    const workers = this.members.healthy();
    if (workers.length === 0) throw new WorkerError('no worker is connected');
    const assignment = assignShards(this.opts.config.train.microShards, workers.length);
    const started = performance.now();
    const done = new Promise<void>((resolve, reject) => {
      this.pending = { order, owner: new Map(), results: new Map(), compute: 0, resolve, reject };
    });
    const pending = this.pending as Pending;
    workers.forEach((m, i) => assignment[i].forEach((b) => pending.owner.set(key(b), m.id)));
    await Promise.all(workers.map((m, i) => (assignment[i].length > 0 ? this.dispatch(m, order, assignment[i]) : undefined)));
    const sent = performance.now();
    try {
      await done;
    } finally {
      this.pending = undefined;
    }
    const received = performance.now();
    const total = reduceNode(
      0,
      this.opts.config.train.microShards,
      (lo, n) => pending.results.get(`${lo}:${n}`),
      // In place: every block result is consumed exactly once.
      (a, b) => ({ grads: addInto(a.grads, b.grads), stats: addStats(a.stats, b.stats) }),
    );
    const timing = { send: sent - started, wait: received - sent, reduce: performance.now() - received, compute: pending.compute };
    return { grads: total.grads, stats: total.stats, timing };
  }

  private async dispatch(m: Member, order: RoundOrder, blocks: Block[]): Promise<void> {
    for (const [net, w] of Object.entries(order.weights)) {
      if (m.sent[net] === w.version) continue;
      await this.send(m, { type: 'WEIGHTS', run: this.runId, net, version: w.version }, w.tensors());
      m.sent[net] = w.version;
    }
    const shardSize = this.opts.config.train.batchSize / this.opts.config.train.microShards;
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
      { type: 'WORK', run: this.runId, round: order.round, step: order.step, phase: order.phase, tag: order.tag, versions, blocks, shardSize },
      tensors,
    );
  }

  private send(m: Member, header: OutgoingHeader, tensors: WireTensor[] = []): Promise<void> {
    return this.out.send([m.identity, ...encode(header, tensors)]);
  }

  private heartbeat(): void {
    const now = Date.now();
    const timeout = this.opts.config.cluster.heartbeatTimeout * 1000;
    for (const m of this.members.all()) {
      if (m.state !== 'healthy' && m.state !== 'joining') continue;
      if (now - m.lastSeen > timeout) {
        m.state = 'lost';
        this.fail(new WorkerError(`${describe(m)} sent nothing for ${timeout / 1000} s: lost`, {
          hint: 'surviving lost workers is not supported yet; the run stops here (resume from its last checkpoint)',
        }));
        continue;
      }
      this.send(m, { type: 'HEARTBEAT', run: this.runId }).catch(() => undefined);
    }
  }

  private async receive(): Promise<void> {
    try {
      for await (const [identity, ...frames] of this.socket) {
        let msg: Message;
        try {
          msg = decode(frames);
          if (msg.header.type !== 'HELLO' && msg.header.run !== this.runId) {
            throw new ProtocolError(`message for run '${msg.header.run}', this is run '${this.runId}'`);
          }
        } catch (err) {
          this.reject(identity, err as Error, frames);
          continue;
        }
        const member = this.members.get(identity);
        if (member) member.lastSeen = Date.now();
        try {
          this.handle(identity, member, msg);
        } catch (err) {
          this.reject(identity, err as Error, frames);
        }
      }
    } catch (err) {
      if (!this.closed) this.fail(err as Error);
    }
  }

  /** Answers a bad message with ERROR (but never an ERROR with an ERROR) and logs it; never throws. */
  private reject(identity: Buffer, err: Error, frames?: Buffer[]): void {
    this.opts.log.warn({ from: identity.toString('hex'), err: err.message }, 'rejected a message');
    if (frames && isError(frames)) return;
    const reply = encode({ type: 'ERROR', run: this.runId, code: 'bad-message', message: err.message });
    this.out.send([identity, ...reply]).catch(() => undefined);
  }

  private handle(identity: Buffer, member: Member | undefined, msg: Message): void {
    const { header } = msg;
    if (header.type !== 'HELLO' && !member) throw new ProtocolError(`${header.type} from a worker that has not said HELLO`);
    switch (header.type) {
      case 'HELLO':
        return this.hello(identity, member, header);
      case 'HEARTBEAT':
        return;
      case 'GRADS':
        return this.grads(member as Member, header, msg.tensors);
      case 'LEAVE':
        (member as Member).state = 'left';
        return this.fail(new WorkerError(`${describe(member as Member)} left the run: ${header.reason}`));
      case 'ERROR':
        if (header.code === 'bad-message') {
          this.opts.log.warn({ worker: describe(member as Member), message: header.message }, 'a worker rejected a message');
          return;
        }
        (member as Member).state = 'lost';
        return this.fail(new WorkerError(`${describe(member as Member)} failed: ${header.message}`));
      default:
        throw new ProtocolError(`unexpected ${header.type} message at the coordinator`);
    }
  }

  private hello(identity: Buffer, existing: Member | undefined, header: HeaderOf<'HELLO'>): void {
    const expected = Buffer.from(this.opts.token);
    const given = Buffer.from(header.token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ProtocolError('HELLO with a wrong run token');
    if (existing) throw new ProtocolError('a second HELLO from the same connection');
    if (this.members.healthy().length >= this.expected) throw new ProtocolError(`the run is full (${this.expected} workers)`);
    const m = this.members.add(identity, { rank: header.rank, pid: header.pid, host: header.host });
    m.state = 'healthy';
    this.opts.log.info({ worker: describe(m) }, 'worker joined');
    void this.send(m, { type: 'WELCOME', run: this.runId, workerId: m.id, config: this.opts.config });
    if (this.members.healthy().length >= this.expected) this.joined?.();
  }

  private grads(m: Member, header: HeaderOf<'GRADS'>, tensors: WireTensor[]): void {
    const p = this.pending;
    if (!p || header.round !== p.order.round) {
      this.opts.log.warn({ worker: describe(m), round: header.round }, 'late or unexpected GRADS dropped');
      return;
    }
    const k = key(header.block);
    if (p.owner.get(k) !== m.id) throw new ProtocolError(`GRADS for block ${k} of round ${header.round}, which this worker was not given`);
    if (p.results.has(k)) return; // a duplicate: the first result wins
    const sizes = p.order.gradSizes;
    if (tensors.length !== sizes.length || tensors.some((t, i) => t.dtype !== 'float32' || t.data.length !== sizes[i])) {
      throw new ProtocolError(`GRADS round ${header.round} block ${k}: expected ${sizes.length} float32 tensors of sizes [${sizes}]`);
    }
    p.results.set(k, { grads: tensors.map((t) => t.data as Float32Array), stats: header.stats });
    p.compute = Math.max(p.compute, header.computeMs);
    if (p.results.size === p.owner.size) p.resolve();
  }

  /** Tells every worker to stop and closes the socket. */
  async close(reason: string): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    const live = this.members.all().filter((m) => m.state === 'healthy');
    await Promise.all(live.map((m) => this.send(m, { type: 'SHUTDOWN', run: this.runId, reason }).catch(() => undefined)));
    this.closed = true;
    this.socket.close();
  }
}
