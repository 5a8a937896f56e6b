// The worker process: connects to the coordinator, holds a model replica, computes gradients for the
// micro-shards it is assigned, and replies; stateless between rounds apart from weights by version. It
// outlives its coordinator's restarts: ZeroMQ reconnects, and a coordinator that does not know it says
// "rejoin", so it says HELLO again and is sent the current weights.
import os from 'node:os';
import * as zmq from 'zeromq';
import type { Logger } from 'pino';
import { initBackend, type BackendName } from '../src/backend/index.js';
import { configSchema, resolveConfig, type Config } from '../src/config/index.js';
import { GanymedeError, NumericalError, ProtocolError, WorkerError } from '../src/errors.js';
import { decode, encode, isError, peekHeader, SendQueue, type HeaderOf, type Message, type OutgoingHeader, type WireTensor } from '../src/protocol/index.js';
import type { CurveClient } from '../src/protocol/curve.js';
import type { ShardTask } from '../src/train/shard-gradients.js';
import { batchSizeAt } from '../src/train/stages.js';
import { ErrorFeedback } from '../src/train/error-feedback.js';
import { flatten } from '../src/train/halving.js';
import { MNIST_IMAGE, ModelReplica } from './replica.js';
import { ExchangeAborted, PeerExchange } from './peer-exchange.js';

export interface WorkerOptions {
  /** tcp://host:port or ipc://path of the coordinator. */
  coordinator: string;
  /** This worker's rank (-1 when none was given). */
  rank: number;
  token: string;
  /** CURVE keys: encrypt, and accept only the coordinator with this public key. */
  curve?: CurveClient;
  /** Overrides the config's backend when set. */
  backend?: BackendName;
  /** Seconds to wait for a first answer from the coordinator (after that, the run's cluster.reconnectTimeout). */
  connectTimeout?: number;
  log: Logger;
}

/** Socket-level liveness before the run's config is known: the schema's defaults. */
const DEFAULTS = configSchema.parse({}).cluster;
/** Least time between two HELLOs when a coordinator keeps saying "rejoin". */
const HELLO_GAP_MS = 1000;

export class Worker {
  private readonly socket: zmq.Dealer;
  private readonly out: SendQueue;
  private runId = '';
  private config?: Readonly<Config>;
  private replica?: ModelReplica;
  private lastHeard = Date.now();
  /**
   * Whether ZeroMQ holds a handshaken link to the coordinator. Its I/O thread answers ZMTP pings (peerTimeout)
   * even while its JS thread is busy (a long evaluation), and drops the link when the process dies, stops or
   * is cut off; so while the link is up the coordinator is alive, however long it stays silent.
   */
  private linkUp = false;
  private lastHello = 0;
  private timer?: NodeJS.Timeout;
  private failure?: Error;
  private leaving?: string;
  private readonly chaosNan = nanInjection(process.env.GANYMEDE_CHAOS_NAN);
  /** Residuals of bfloat16/float16 gradient compression (cluster.gradientCompression), by round tag and block. */
  private readonly feedback = new ErrorFeedback();
  /** Links to the other workers, under cluster.reduce: allreduce (bound after WELCOME). */
  private peers?: PeerExchange;
  /**
   * Messages read while computing a block (between micro-shards), handled in order once it is done or dropped.
   * Reading them early shows when the coordinator has moved on to a later round: see `superseded`.
   */
  private readonly backlog: Buffer[][] = [];
  /** Networks whose new weights came in part (WEIGHTS with part): gathered from the peers when the round's WORK comes. */
  private readonly gathers = new Map<string, { header: HeaderOf<'WEIGHTS'>; flat: Float32Array }>();

  constructor(private readonly opts: WorkerOptions) {
    const curve = opts.curve;
    this.socket = new zmq.Dealer({
      linger: 1000,
      maxMessageSize: 1024 * 1024 * 1024,
      heartbeatInterval: Math.round(DEFAULTS.heartbeatInterval * 1000),
      heartbeatTimeout: Math.round(DEFAULTS.peerTimeout * 1000),
      ...(curve ? { curveServerKey: curve.serverKey, curvePublicKey: curve.publicKey, curveSecretKey: curve.secretKey } : {}),
    });
    this.out = new SendQueue(this.socket);
  }

  /** Runs until the coordinator says SHUTDOWN or the worker leaves (resolves), or the worker fails (rejects). */
  async run(): Promise<void> {
    const { log } = this.opts;
    this.watchLink();
    this.socket.connect(this.opts.coordinator);
    log.info({ coordinator: this.opts.coordinator, rank: this.opts.rank, curve: Boolean(this.opts.curve) }, 'worker connecting');
    await this.hello();
    this.timer = setInterval(() => this.tick(), (this.config?.cluster.heartbeatInterval ?? DEFAULTS.heartbeatInterval) * 1000);
    try {
      for (;;) {
        const frames = this.backlog.shift() ?? (await this.receive());
        if (frames === undefined) break; // the socket closed
        this.lastHeard = Date.now();
        if (await this.handle(frames)) break;
        if (this.leaving) break;
      }
      if (this.failure) throw this.failure;
      if (this.leaving) {
        await this.send({ type: 'LEAVE', run: this.runId, reason: this.leaving });
        await this.untilQuiet();
        log.info({ reason: this.leaving }, 'left the run');
      }
    } finally {
      clearInterval(this.timer);
      this.peers?.close();
      this.replica?.dispose();
      this.socket.close();
    }
  }

  /** The next message, or undefined once the socket is closed (as the socket's own async iterator ends). */
  private async receive(): Promise<Buffer[] | undefined> {
    if (this.socket.closed) return undefined;
    try {
      return await this.socket.receive();
    } catch (err) {
      if (this.socket.closed && (err as NodeJS.ErrnoException).code === 'EAGAIN') return undefined;
      throw err;
    }
  }

  /**
   * Moves the messages already waiting on the socket into the backlog (never waits), and tells whether the
   * coordinator has gone past `round`: a WORK of a later round of this run, or a SHUTDOWN. The coordinator starts
   * a round only once every block of the one before has a result, so the block in hand is then a straggler's
   * duplicate (a speculative copy finished first) or moot, and computing it on would only delay the next round.
   */
  private async superseded(round: number): Promise<boolean> {
    // receive() resolves at once while readable; the main loop is not receiving (it awaits this block).
    while (!this.socket.closed && this.socket.readable) this.backlog.push(await this.socket.receive());
    return this.backlog.some((frames) => {
      const peek = peekHeader(frames);
      if (peek?.run !== this.runId || (peek.type !== 'WORK' && peek.type !== 'SHUTDOWN')) return false;
      // Only a message that passes every check counts (a corrupted or forged one must not cost a block).
      try {
        const { header } = decode(frames);
        return header.run === this.runId && ((header.type === 'WORK' && header.round > round) || header.type === 'SHUTDOWN');
      } catch {
        return false;
      }
    });
  }

  /** Leaves the run cleanly (e.g. on SIGTERM): after the block in hand, LEAVE, then run() resolves. */
  leave(reason: string): void {
    // The receive loop stops after the message in hand (the coordinator's heartbeats wake an idle one).
    this.leaving = reason;
  }

  private async hello(): Promise<void> {
    this.lastHello = Date.now();
    await this.send({
      type: 'HELLO', run: '', token: this.opts.token, rank: this.opts.rank, pid: process.pid,
      host: os.hostname(), backend: this.opts.backend ?? '',
    });
  }

  /**
   * After LEAVE: stays connected until the coordinator goes quiet (it stops heartbeating a worker once it has read
   * its LEAVE; at most 5 s), so what it sends in the meantime does not hit a closed peer, which it would take
   * for a lost worker (EHOSTUNREACH) instead of one that left.
   */
  private async untilQuiet(): Promise<void> {
    this.socket.receiveTimeout = 2 * (this.config?.cluster.heartbeatInterval ?? DEFAULTS.heartbeatInterval) * 1000;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      try {
        await this.socket.receive(); // ignored: the worker has left
      } catch {
        return; // quiet for the timeout (EAGAIN), or closed
      }
    }
  }

  /** Follows the link's ZeroMQ events (handshake: up; disconnect or close: down). */
  private watchLink(): void {
    void (async () => {
      try {
        for await (const event of this.socket.events) {
          if (event.type === 'handshake') this.linkUp = true;
          else if (event.type === 'disconnect' || event.type === 'close' || event.type === 'end') this.linkUp = false;
        }
      } catch {
        this.linkUp = false; // the socket closed
      }
    })();
  }

  private tick(): void {
    const timeout = this.config ? this.config.cluster.reconnectTimeout : (this.opts.connectTimeout ?? 300);
    // A silent coordinator on a live link is busy, not gone: the timeout counts from the last sign of life.
    if (this.linkUp && this.runId) this.lastHeard = Date.now();
    if (Date.now() - this.lastHeard > timeout * 1000) {
      this.failure = new WorkerError(`no message from the coordinator at ${this.opts.coordinator} for ${timeout} s`, {
        hint: 'is the coordinator running and reachable, with the same token and CURVE keys?',
      });
      this.socket.close();
      return;
    }
    if (this.runId) this.send({ type: 'HEARTBEAT', run: this.runId }).catch(() => undefined);
    // Between coordinators (after a non-final SHUTDOWN): knock until the next one answers.
    else if (this.config && Date.now() - this.lastHello > HELLO_GAP_MS * 2) this.hello().catch(() => undefined);
  }

  private send(header: OutgoingHeader, tensors: WireTensor[] = []): Promise<void> {
    return this.out.send(encode(header, tensors));
  }

  /** Handles one message; returns true when the worker should stop. */
  private async handle(frames: Buffer[]): Promise<boolean> {
    let msg: Message;
    try {
      msg = decode(frames);
      // WELCOME tells the run id; an ERROR may come before it (a refused HELLO, a "rejoin").
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
          if (header.part) this.partWeights(header, msg.tensors);
          else {
            this.need().setWeights(header.net, header.version, msg.tensors);
            this.gathers.delete(header.net);
          }
          return false;
        case 'WORK':
          await this.work(header, msg.tensors);
          return false;
        case 'HEARTBEAT':
          return false;
        case 'SHUTDOWN':
          if (header.final || process.env.GANYMEDE_LOCAL_WORKER === '1') {
            this.opts.log.info({ reason: header.reason }, 'coordinator says shut down');
            return true;
          }
          // The coordinator stops but the run is not over (evicted, interrupted): wait for its successor.
          this.opts.log.warn({ reason: header.reason }, 'the coordinator is stopping; waiting for it to come back');
          this.runId = '';
          return false;
        case 'ERROR':
          return this.coordinatorError(header);
        default:
          throw new ProtocolError(`unexpected ${header.type} message at a worker`);
      }
    } catch (err) {
      const e = err as Error;
      const round = 'round' in header ? { round: header.round } : {};
      if (err instanceof NumericalError) {
        // Not this worker's fault: the coordinator's train.onNonFinite policy decides what happens next.
        this.opts.log.error({ err: e.message }, 'numerical fault');
        const block = (err as NumericalError & { block?: { lo: number; n: number } }).block;
        await this.send({ type: 'ERROR', run: this.runId, code: 'non-finite', message: e.message, ...round, ...(block ? { block } : {}) });
        return false;
      }
      this.opts.log.error({ err: e.message }, `failed on ${header.type}`);
      const code = err instanceof ProtocolError ? 'bad-message' : 'worker-failed';
      await this.send({ type: 'ERROR', run: this.runId, code, message: e.message, ...round });
      if (err instanceof ProtocolError) return false;
      this.failure = err instanceof GanymedeError ? err : new WorkerError(`worker failed: ${e.message}`, { cause: e });
      return true;
    }
  }

  private async coordinatorError(header: HeaderOf<'ERROR'>): Promise<boolean> {
    switch (header.code) {
      case 'rejoin':
        // The coordinator restarted, or gave this worker up while it was unreachable: join again.
        if (Date.now() - this.lastHello < HELLO_GAP_MS) return false;
        this.opts.log.warn({ message: header.message }, 'the coordinator does not know this worker; joining again');
        this.runId = '';
        await this.hello();
        return false;
      case 'refused':
        this.failure = new WorkerError(`coordinator refused this worker: ${header.message}`);
        return true;
      default:
        this.opts.log.warn({ code: header.code, message: header.message }, 'the coordinator rejected a message');
        return false;
    }
  }

  private need(): ModelReplica {
    if (!this.replica) throw new ProtocolError('message before WELCOME');
    return this.replica;
  }

  private async welcome(header: HeaderOf<'WELCOME'>): Promise<void> {
    // WELCOME answers HELLO: one that comes while this worker is in a run is out of order.
    if (this.runId) throw new ProtocolError(`WELCOME for run '${header.run}' while in run '${this.runId}'`);
    const config = resolveConfig(header.config as Record<string, unknown>, 'config from the coordinator');
    const choice = await initBackend(this.opts.backend ?? config.backend);
    this.replica?.dispose();
    this.replica = new ModelReplica(config);
    this.replica.poison = this.chaosNan && ((task, grads) => this.chaosNan?.(this.opts.rank, task, grads));
    this.gathers.clear();
    // Bound before the run id is set: a heartbeat (tick) must not be the first message, the one that says "ready".
    if (config.cluster.reduce === 'allreduce') {
      this.peers ??= new PeerExchange((why) => this.opts.log.warn({ err: why }, 'rejected a peer message'));
      if (!this.peers.address) await this.peers.bind(this.opts.coordinator);
    }
    this.config = config;
    this.runId = header.run;
    this.opts.log.info({ run: this.runId, workerId: header.workerId, backend: choice.name, reason: choice.reason }, 'joined run');
    // The first message after WELCOME tells the coordinator this worker is ready for work (and, for worker-side
    // reduction, where the other workers reach it).
    if (this.peers && config.cluster.reduce === 'allreduce') {
      this.peers.joinRun(this.runId);
      await this.send({ type: 'PEER', run: this.runId, address: this.peers.address });
    } else {
      await this.send({ type: 'HEARTBEAT', run: this.runId });
    }
  }

  private async work(header: HeaderOf<'WORK'>, tensors: WireTensor[]): Promise<void> {
    const replica = this.need();
    // New work means the coordinator has given up any older exchange (or this round's, when it reduces it itself).
    this.peers?.abort(header.allreduce ? header.round - 1 : header.round);
    if (header.allreduce && (!this.peers || header.blocks.length !== 1 || header.allreduce.index >= header.allreduce.peers.length)) {
      throw new ProtocolError(`WORK round ${header.round}: allreduce needs one block, an index among the peers and a peer socket (cluster.reduce: allreduce)`);
    }
    if (!(await this.gatherWeights(header))) return;
    for (const [net, version] of Object.entries(header.versions)) {
      if (replica.versions[net] !== version) {
        throw new ProtocolError(`WORK round ${header.round} needs ${net} v${version}, this worker holds v${replica.versions[net] ?? 'none'}`);
      }
    }
    const pixels = new Map(tensors.map((t) => [t.name, t]));
    const usesData = replica.replica.family.phases[header.phase]?.usesData;
    if (usesData === undefined) throw new ProtocolError(`WORK round ${header.round}: unknown phase '${header.phase}'`);
    const { microShards } = replica.replica.config.train;
    const batchSize = batchSizeAt(header.step, replica.replica.config); // a stage's own, under progressive growing
    if (header.shardSize !== batchSize / microShards) throw new ProtocolError(`WORK round ${header.round}: shardSize ${header.shardSize}, the run's is ${batchSize / microShards}`);
    const outside = header.blocks.find((b) => b.lo + b.n > microShards);
    if (outside) throw new ProtocolError(`WORK round ${header.round}: block ${outside.lo}:${outside.n} is outside the ${microShards} micro-shards`);
    const imageSize = [header.shardSize, MNIST_IMAGE.height, MNIST_IMAGE.width, MNIST_IMAGE.channels].join(',');
    for (const block of header.blocks) {
      for (let s = block.lo; s < block.lo + block.n && usesData; s++) {
        const x = pixels.get(`x/${s}`);
        if (!x || x.dtype !== 'uint8' || x.shape.join(',') !== imageSize) {
          throw new ProtocolError(`WORK round ${header.round}: no uint8 pixels [${imageSize}] for micro-shard ${s}`);
        }
      }
    }
    for (const block of header.blocks) {
      const started = performance.now();
      // A heartbeat after each micro-shard: a busy worker is never silent for longer than one shard's compute;
      // and a look at what has come meanwhile, to drop the block when the coordinator has moved on.
      const afterShard = async () => {
        await this.send({ type: 'HEARTBEAT', run: this.runId });
        if (await this.superseded(header.round)) throw new Superseded();
      };
      if (await this.superseded(header.round)) return this.dropped(header, block);
      const result = await replica.block(block, (shard) => {
        const x = pixels.get(`x/${shard}`);
        const y = pixels.get(`y/${shard}`); // class labels, for conditional models
        return {
          phase: header.phase, tag: header.tag, step: header.step, shard, count: header.shardSize,
          x: x?.data as Uint8Array | undefined, y: y?.data as Uint8Array | undefined,
        };
      }, afterShard).catch((err: unknown) => {
        if (err instanceof NumericalError) throw Object.assign(err, { block });
        throw err;
      }).catch((err: unknown) => {
        if (err instanceof Superseded) return undefined;
        throw err;
      });
      if (result === undefined) return this.dropped(header, block);
      if (header.allreduce) {
        // In the background: the receive loop must stay free to see the coordinator give the exchange up.
        void this.allreduce(header, block, result, performance.now() - started);
        continue;
      }
      const names = replica.gradNames(header.phase, header.step); // g/<weight> and s/<weight>: what each tensor is, on the wire
      const compression = replica.replica.config.cluster.gradientCompression;
      const grads: WireTensor[] = compression !== 'none'
        ? this.feedback.encode(`${header.tag}:${block.lo}:${block.n}`, result.grads, compression).map((c, i) => ({ name: names[i] ?? `g/${i}`, shape: [c.data.length], ...c }))
        : result.grads.map((data, i) => ({ name: names[i] ?? `g/${i}`, dtype: 'float32', shape: [data.length], data }));
      await this.send(
        { type: 'GRADS', run: this.runId, round: header.round, block, stats: result.stats, computeMs: performance.now() - started },
        grads,
      );
    }
  }

  /** Logs a block left undone because the coordinator has gone past its round (see `superseded`). */
  private dropped(header: HeaderOf<'WORK'>, block: { lo: number; n: number }): void {
    this.opts.log.info({ round: header.round, step: header.step, block: `${block.lo}:${block.n}` }, 'dropped a superseded block: the coordinator has moved on');
  }

  /** Keeps this worker's part of a network's new weights until the round's WORK (the peers hold the other parts). */
  private partWeights(header: HeaderOf<'WEIGHTS'>, tensors: WireTensor[]): void {
    const part = header.part as NonNullable<HeaderOf<'WEIGHTS'>['part']>;
    const sized = part.layout.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
    if (tensors.length !== 1 || tensors[0].data.length !== part.length || part.offset + part.length > part.total || sized !== part.total) {
      throw new ProtocolError(`WEIGHTS ${header.net} part ${part.offset}+${part.length} of ${part.total}: one float32 tensor of the part's length and a layout of ${part.total} values expected`);
    }
    const flat = new Float32Array(part.total);
    flat.set(tensors[0].data as Float32Array, part.offset);
    this.gathers.set(header.net, { header, flat });
  }

  /**
   * Gathers the networks that came in part from the round's peers and loads them; false (after telling the
   * coordinator, which then sends whole weights and reduces the round itself) when a peer does not answer.
   */
  private async gatherWeights(work: HeaderOf<'WORK'>): Promise<boolean> {
    for (const [net, g] of [...this.gathers]) {
      this.gathers.delete(net);
      const part = g.header.part as NonNullable<HeaderOf<'WEIGHTS'>['part']>;
      if (!work.allreduce || part.round !== work.round) continue; // a part for a round given up
      const c = (this.config as Readonly<Config>).cluster;
      try {
        const { index, peers } = work.allreduce;
        await (this.peers as PeerExchange).gather({ run: this.runId, round: work.round, index, peers, flat: g.flat, net, timeoutMs: (c.suspectAfter + c.peerTimeout) * 1000 });
      } catch (err) {
        this.opts.log.warn({ round: work.round, net, err: (err as Error).message }, 'gathering weights from the peers failed; the coordinator takes the round over');
        await this.send({ type: 'ERROR', run: this.runId, code: 'peer-failed', message: (err as Error).message, round: work.round, block: work.blocks[0] });
        return false;
      }
      let at = 0;
      const tensors = part.layout.map((t): WireTensor => {
        const n = t.shape.reduce((x, y) => x * y, 1);
        return { name: t.name, dtype: 'float32', shape: t.shape, data: g.flat.subarray(at, (at += n)) };
      });
      this.need().setWeights(net, g.header.version, tensors);
    }
    return true;
  }

  /**
   * Worker-side reduction of one round (WORK.allreduce): recursive halving with the peers, then GRADS with this
   * worker's 1/N of the reduced gradient. A peer that does not answer is reported (peer-failed): the coordinator
   * then reduces the round itself. Float32 throughout (gradientCompression applies to star rounds only).
   */
  private async allreduce(header: HeaderOf<'WORK'>, block: { lo: number; n: number }, result: { grads: Float32Array[]; stats: Record<string, number> }, computeMs: number): Promise<void> {
    const { index, peers } = header.allreduce as NonNullable<HeaderOf<'WORK'>['allreduce']>;
    const c = (this.config as Readonly<Config>).cluster;
    try {
      const flat = flatten(result.grads);
      // A partner computes a block of the same size: waiting much longer than this one took means it is gone or stuck.
      const timeoutMs = Math.max(c.suspectAfter * 1000, 3 * computeMs) + c.peerTimeout * 1000;
      const span = await (this.peers as PeerExchange).reduce({ run: this.runId, round: header.round, index, peers, flat, timeoutMs });
      await this.send(
        { type: 'GRADS', run: this.runId, round: header.round, block, stats: result.stats, computeMs, chunk: { ...span, total: flat.length } },
        [{ name: `r/${span.offset}`, dtype: 'float32', shape: [span.length], data: flat.subarray(span.offset, span.offset + span.length) }],
      );
    } catch (err) {
      if (err instanceof ExchangeAborted) return;
      this.opts.log.warn({ round: header.round, err: (err as Error).message }, 'worker-side reduction failed; the coordinator reduces this round');
      await this.send({ type: 'ERROR', run: this.runId, code: 'peer-failed', message: (err as Error).message, round: header.round, block }).catch(() => undefined);
    }
  }
}

/** Thrown between micro-shards when the block in hand is superseded (Worker.superseded); never leaves work(). */
class Superseded extends Error {}

/**
 * Fault injection for tests and drills (README "Failure and recovery"): GANYMEDE_CHAOS_NAN=<step>[:<rank>][:always]
 * makes the first micro-shard this process computes at that step (on the worker of that rank, when given)
 * produce a NaN gradient: once per process, or every time with `always`.
 */
function nanInjection(spec: string | undefined): ((rank: number, task: ShardTask, grads: Float32Array[]) => void) | undefined {
  if (!spec) return undefined;
  const [stepText, rankText, mode] = spec.split(':');
  const step = Number(stepText);
  const rank = rankText ? Number(rankText) : undefined;
  let done = false;
  return (myRank, task, grads) => {
    if (done || task.step !== step || (rank !== undefined && rank !== myRank)) return;
    done = mode !== 'always';
    grads[0][0] = Number.NaN;
  };
}
