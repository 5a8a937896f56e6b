// The worker process: connects to the coordinator, holds a model replica, computes gradients for the
// micro-shards it is assigned, and replies; stateless between rounds apart from weights by version.
import os from 'node:os';
import * as zmq from 'zeromq';
import type { Logger } from 'pino';
import { initBackend, type BackendName } from '../src/backend/index.js';
import { resolveConfig, type Config } from '../src/config/index.js';
import { GanymedeError, ProtocolError, WorkerError } from '../src/errors.js';
import { decode, encode, isError, SendQueue, type HeaderOf, type Message, type OutgoingHeader, type WireTensor } from '../src/protocol/index.js';
import { ModelReplica } from './replica.js';

export interface WorkerOptions {
  /** tcp://host:port or ipc://path of the coordinator. */
  coordinator: string;
  /** This worker's rank (-1 when none was given). */
  rank: number;
  token: string;
  /** Overrides the config's backend when set. */
  backend?: BackendName;
  /** Seconds without a message from the coordinator before giving up (before the config arrives). */
  heartbeatTimeout?: number;
  log: Logger;
}

const HEARTBEAT_MS = 1000;

export class Worker {
  private readonly socket: zmq.Dealer;
  private readonly out: SendQueue;
  private runId = '';
  private config?: Readonly<Config>;
  private replica?: ModelReplica;
  private lastHeard = Date.now();
  private timer?: NodeJS.Timeout;
  private failure?: Error;

  constructor(private readonly opts: WorkerOptions) {
    this.socket = new zmq.Dealer({ linger: 1000, maxMessageSize: 1024 * 1024 * 1024 });
    this.out = new SendQueue(this.socket);
  }

  /** Runs until the coordinator says SHUTDOWN (resolves) or the worker fails (rejects). */
  async run(): Promise<void> {
    const { log } = this.opts;
    this.socket.connect(this.opts.coordinator);
    log.info({ coordinator: this.opts.coordinator, rank: this.opts.rank }, 'worker connecting');
    await this.send({
      type: 'HELLO', run: '', token: this.opts.token, rank: this.opts.rank, pid: process.pid,
      host: os.hostname(), backend: this.opts.backend ?? '',
    });
    this.timer = setInterval(() => this.tick(), HEARTBEAT_MS);
    try {
      for await (const frames of this.socket) {
        this.lastHeard = Date.now();
        if (await this.handle(frames)) break;
      }
      if (this.failure) throw this.failure;
    } finally {
      clearInterval(this.timer);
      this.replica?.dispose();
      this.socket.close();
    }
  }

  private tick(): void {
    const timeout = (this.config?.cluster.heartbeatTimeout ?? this.opts.heartbeatTimeout ?? 30) * 1000;
    if (Date.now() - this.lastHeard > timeout) {
      this.failure = new WorkerError(`no message from the coordinator at ${this.opts.coordinator} for ${timeout / 1000} s`, {
        hint: 'is the coordinator running and reachable?',
      });
      this.socket.close();
      return;
    }
    if (this.runId) this.send({ type: 'HEARTBEAT', run: this.runId }).catch(() => undefined);
  }

  private send(header: OutgoingHeader, tensors: WireTensor[] = []): Promise<void> {
    return this.out.send(encode(header, tensors));
  }

  /** Handles one message; returns true when the worker should stop. */
  private async handle(frames: Buffer[]): Promise<boolean> {
    let msg: Message;
    try {
      msg = decode(frames);
      // WELCOME tells the run id; an ERROR may come before it (a refused HELLO).
      if (msg.header.type !== 'WELCOME' && msg.header.type !== 'ERROR' && msg.header.run !== this.runId) {
        throw new ProtocolError(`message for run '${msg.header.run}', this worker is in run '${this.runId}'`);
      }
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'rejected a message');
      // Never answer an ERROR with an ERROR: two peers would bounce them forever.
      if (!isError(frames)) await this.send({ type: 'ERROR', run: this.runId, code: 'bad-message', message: (err as Error).message });
      return false;
    }
    const { header } = msg;
    try {
      switch (header.type) {
        case 'WELCOME':
          await this.welcome(header);
          return false;
        case 'WEIGHTS':
          this.need().setWeights(header.net, header.version, msg.tensors);
          return false;
        case 'WORK':
          await this.work(header, msg.tensors);
          return false;
        case 'HEARTBEAT':
          return false;
        case 'SHUTDOWN':
          this.opts.log.info({ reason: header.reason }, 'coordinator says shut down');
          return true;
        case 'ERROR':
          this.failure = new WorkerError(`coordinator rejected this worker: ${header.message}`);
          return true;
        default:
          throw new ProtocolError(`unexpected ${header.type} message at a worker`);
      }
    } catch (err) {
      const e = err as Error;
      this.opts.log.error({ err: e.message }, `failed on ${header.type}`);
      await this.send({
        type: 'ERROR', run: this.runId, code: err instanceof ProtocolError ? 'bad-message' : 'worker-failed',
        message: e.message, ...('round' in header ? { round: header.round } : {}),
      });
      if (err instanceof ProtocolError) return false;
      this.failure = err instanceof GanymedeError ? err : new WorkerError(`worker failed: ${e.message}`, { cause: e });
      return true;
    }
  }

  private need(): ModelReplica {
    if (!this.replica) throw new ProtocolError('message before WELCOME');
    return this.replica;
  }

  private async welcome(header: HeaderOf<'WELCOME'>): Promise<void> {
    this.runId = header.run;
    this.config = resolveConfig(header.config as Record<string, unknown>, 'config from the coordinator');
    const choice = await initBackend(this.opts.backend ?? this.config.backend);
    this.opts.log.info({ run: this.runId, workerId: header.workerId, backend: choice.name, reason: choice.reason }, 'joined run');
    this.replica?.dispose();
    this.replica = new ModelReplica(this.config);
  }

  private async work(header: HeaderOf<'WORK'>, tensors: WireTensor[]): Promise<void> {
    const replica = this.need();
    for (const [net, version] of Object.entries(header.versions)) {
      if (replica.versions[net] !== version) {
        throw new ProtocolError(`WORK round ${header.round} needs ${net} v${version}, this worker holds v${replica.versions[net] ?? 'none'}`);
      }
    }
    const pixels = new Map(tensors.map((t) => [t.name, t]));
    for (const block of header.blocks) {
      const started = performance.now();
      const result = await replica.block(block, (shard) => {
        const x = pixels.get(`x/${shard}`);
        const y = pixels.get(`y/${shard}`); // class labels, for conditional models
        return {
          phase: header.phase, tag: header.tag, step: header.step, shard, count: header.shardSize,
          x: x?.data as Uint8Array | undefined, y: y?.data as Uint8Array | undefined,
        };
      });
      const grads: WireTensor[] = result.grads.map((data, i) => ({ name: `g/${i}`, dtype: 'float32', shape: [data.length], data }));
      await this.send(
        { type: 'GRADS', run: this.runId, round: header.round, block, stats: result.stats, computeMs: performance.now() - started },
        grads,
      );
    }
  }
}
