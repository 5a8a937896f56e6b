// A worker's links to the other workers for the worker-side reduction (cluster.reduce: allreduce): one PULL
// socket it binds (its address goes to the coordinator in PEER) and one PUSH socket per peer it sends to. The
// exchange itself is recursive halving (src/train/halving.ts). Messages of an exchange this worker has already
// given up, or of an older round, are dropped; messages of a round it has not started yet wait in an inbox (a
// faster partner may be a level ahead).
import os from 'node:os';
import path from 'node:path';
import * as zmq from 'zeromq';
import { WorkerError } from '../src/errors.js';
import { decode, encode, SendQueue } from '../src/protocol/index.js';
import { addSpan, halvingPlan, type Span } from '../src/train/halving.js';

/** Thrown into a running exchange when the coordinator has moved on (a newer WORK): not a failure. */
export class ExchangeAborted extends Error {}

interface Waiter { key: string; resolve: (data: Float32Array) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }

export interface ExchangeTask {
  run: string;
  round: number;
  index: number;
  peers: readonly string[];
  /** The worker's own block's flat gradient; reduced in place on the span the worker ends with. */
  flat: Float32Array;
  /** ms to wait for a partner's half before giving up. */
  timeoutMs: number;
}

export class PeerExchange {
  private readonly inbox = new zmq.Pull({ maxMessageSize: 1024 * 1024 * 1024, linger: 0 });
  private readonly outboxes = new Map<string, { socket: zmq.Push; queue: SendQueue }>();
  /** Partner halves that came before this worker asked for them, by round:level:from. */
  private readonly early = new Map<string, Float32Array>();
  private readonly waiters = new Map<string, Waiter>();
  /** Messages of rounds below this are stale: exchanges finished (a newer one started) or given up. */
  private floor = -1;
  private closed = false;
  /** The run this worker is in: messages of other runs (a previous coordinator's) are dropped. */
  private run = '';
  address = '';

  constructor(private readonly onReject: (why: string) => void) {}

  /**
   * Binds next to the coordinator's transport: ipc when it is ipc, loopback tcp when it is on this host, every
   * interface otherwise (advertised as GANYMEDE_PEER_HOST, or this host's first external IPv4 address).
   */
  async bind(coordinator: string): Promise<string> {
    const host = coordinator.startsWith('tcp://') ? coordinator.slice(6).replace(/:\d+$/, '') : '';
    if (coordinator.startsWith('ipc://')) {
      await this.inbox.bind(`ipc://${path.join(os.tmpdir(), `ganymede-peer-${process.pid}-${Date.now().toString(36)}.sock`)}`);
      this.address = this.inbox.lastEndpoint ?? '';
    } else if (/^(127\.|localhost$|\[?::1\]?$)/.test(host)) {
      await this.inbox.bind('tcp://127.0.0.1:0');
      this.address = this.inbox.lastEndpoint ?? '';
    } else {
      await this.inbox.bind('tcp://0.0.0.0:0');
      const port = (this.inbox.lastEndpoint ?? '').replace(/^.*:/, '');
      this.address = `tcp://${process.env.GANYMEDE_PEER_HOST ?? externalAddress()}:${port}`;
    }
    void this.receive();
    return this.address;
  }

  /** Reduces `task.flat` with the peers; resolves with the span this worker holds fully reduced. */
  async reduce(task: ExchangeTask): Promise<Span> {
    this.enter(task);
    for (const key of this.early.keys()) if (Number(key.split(':')[0]) < task.round) this.early.delete(key);
    for (const [address, o] of this.outboxes) {
      if (task.peers.includes(address)) continue;
      o.socket.close(); // a peer of an older group (gone, or replaced)
      this.outboxes.delete(address);
    }
    const plan = halvingPlan(task.index, task.peers.length, task.flat.length);
    for (const l of plan) {
      if (this.floor > task.round) throw new ExchangeAborted(`round ${task.round} given up`);
      const half = task.flat.subarray(l.send.offset, l.send.offset + l.send.length);
      const theirs = await this.trade(task, l.level, l.partner, l.send, half);
      addSpan(task.flat, l.keep, theirs);
    }
    return plan.length ? plan[plan.length - 1].keep : { offset: 0, length: task.flat.length };
  }

  /**
   * All-gather by recursive doubling (the halving levels backwards): `task.flat` holds this worker's final span of
   * network `net`'s weights; in each level it trades the range it holds for its partner's, until it holds them all.
   */
  async gather(task: ExchangeTask & { net: string }): Promise<void> {
    this.enter(task);
    const plan = halvingPlan(task.index, task.peers.length, task.flat.length).reverse();
    for (const l of plan) {
      const mine = task.flat.subarray(l.keep.offset, l.keep.offset + l.keep.length);
      const theirs = await this.trade(task, l.level, l.partner, l.keep, mine, task.net);
      if (theirs.length !== l.send.length) throw new WorkerError(`weights of ${task.net}: ${theirs.length} values from worker ${l.partner}, expected ${l.send.length}`);
      task.flat.set(theirs, l.send.offset);
    }
  }

  /** Starts an exchange of `task.round`: older rounds' messages are stale from now on. */
  private enter(task: ExchangeTask): void {
    this.floor = Math.max(this.floor, task.round);
  }

  /** The worker joined run `run` (WELCOME): only its messages count, and its rounds count from scratch. */
  joinRun(run: string): void {
    this.abort(Number.MAX_SAFE_INTEGER);
    this.run = run;
    this.early.clear();
    this.floor = -1;
  }

  /** Sends `data` (span `span`) to the level's partner and waits for the partner's half. */
  private async trade(task: ExchangeTask, level: number, partner: number, span: Span, data: Float32Array, net?: string): Promise<Float32Array> {
    const frames = encode(
      { type: 'REDUCE', run: task.run, round: task.round, level, from: task.index, span, ...(net ? { net } : {}) },
      [{ name: `r/${span.offset}`, dtype: 'float32', shape: [data.length], data }],
    );
    const sending = this.outbox(task.peers[partner]).send(frames);
    sending.catch(() => undefined); // awaited below; this only keeps an abandoned send from being an unhandled rejection
    const theirs = await this.take(keyOf(task.round, level, partner, net), task.timeoutMs, `worker ${partner} of the group (${task.peers[partner]})`);
    await sending;
    return theirs;
  }

  /** Gives up every exchange of `round` and older (the coordinator has sent other work); their messages are dropped. */
  abort(round: number): void {
    this.floor = Math.max(this.floor, round + 1);
    for (const [key, w] of this.waiters) {
      if (Number(key.split(':')[0]) > round) continue;
      clearTimeout(w.timer);
      this.waiters.delete(key);
      w.reject(new ExchangeAborted(`round ${round} given up`));
    }
  }

  close(): void {
    this.closed = true;
    this.abort(Number.MAX_SAFE_INTEGER);
    this.inbox.close();
    for (const o of this.outboxes.values()) o.socket.close();
  }

  private outbox(address: string): SendQueue {
    let o = this.outboxes.get(address);
    if (!o) {
      const socket = new zmq.Push({ linger: 0, sendTimeout: 30_000, maxMessageSize: 1024 * 1024 * 1024 });
      socket.connect(address);
      o = { socket, queue: new SendQueue(socket) };
      this.outboxes.set(address, o);
    }
    return o.queue;
  }

  private take(key: string, timeoutMs: number, who: string): Promise<Float32Array> {
    const have = this.early.get(key);
    if (have) {
      this.early.delete(key);
      return Promise.resolve(have);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(key);
        reject(new WorkerError(`nothing from ${who} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.waiters.set(key, { key, resolve, reject, timer });
    });
  }

  private async receive(): Promise<void> {
    try {
      for await (const frames of this.inbox) {
        try {
          const { header, tensors } = decode(frames);
          if (header.type !== 'REDUCE' || tensors.length !== 1 || tensors[0].data.length !== header.span.length) {
            throw new Error(`expected REDUCE with one float32 tensor of its span's length, got ${header.type}`);
          }
          if (header.round < this.floor || header.run !== this.run) continue; // an exchange given up or finished, or another run's: stale
          const key = keyOf(header.round, header.level, header.from, header.net);
          const data = tensors[0].data as Float32Array;
          const w = this.waiters.get(key);
          if (w) {
            clearTimeout(w.timer);
            this.waiters.delete(key);
            w.resolve(data);
          } else {
            this.early.set(key, data);
          }
        } catch (err) {
          this.onReject((err as Error).message);
        }
      }
    } catch (err) {
      if (!this.closed) this.onReject(`peer socket: ${(err as Error).message}`);
    }
  }
}

/** Identifies one message of an exchange: round first (stale rounds are pruned by it), level, sender, and the network of a gather. */
const keyOf = (round: number, level: number, from: number, net?: string) => `${round}:${level}:${from}${net ? `:${net}` : ''}`;

/** This host's first non-internal IPv4 address (what other hosts most likely reach it at). */
function externalAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return os.hostname();
}
