// The wire protocol's message types and header schemas, in one file (DESIGN.md §6). Frame 0 of every
// multipart message is a JSON header validated here; later frames are raw little-endian tensors it describes.
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

export const MessageType = {
  HELLO: 'HELLO',
  WELCOME: 'WELCOME',
  WORK: 'WORK',
  GRADS: 'GRADS',
  WEIGHTS: 'WEIGHTS',
  HEARTBEAT: 'HEARTBEAT',
  LEAVE: 'LEAVE',
  SHUTDOWN: 'SHUTDOWN',
  ERROR: 'ERROR',
  PEER: 'PEER',
  REDUCE: 'REDUCE',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/**
 * What an ERROR means to its receiver. bad-message: the message was dropped, nothing changed; worker-failed:
 * the worker could not compute a block (and stops); non-finite: a block's loss or gradient is NaN or infinite;
 * rejoin: the coordinator does not know this worker (restarted, or declared it lost): say HELLO again;
 * refused: HELLO turned down (wrong token, run full): the worker stops; peer-failed: a worker-side reduction
 * (cluster.reduce: allreduce) could not finish (a peer silent or unreachable): the coordinator reduces the round itself.
 */
export const ErrorCode = ['bad-message', 'worker-failed', 'non-finite', 'rejoin', 'refused', 'peer-failed'] as const;
export type ErrorCode = (typeof ErrorCode)[number];

const name = z.string().min(1).max(200);
const count = z.number().int().min(0);

/** Describes one tensor frame: its name, dtype and shape (byte length = product(shape) x dtype size). */
export const tensorSpec = z.strictObject({
  name,
  dtype: z.enum(['float32', 'uint8', 'bfloat16', 'float16']), // bfloat16, float16: compressed gradients (cluster.gradientCompression)
  shape: z.array(count).max(8),
});
export type TensorSpec = z.infer<typeof tensorSpec>;

const block = z.strictObject({ lo: count, n: z.number().int().positive() });
/** A range of a round's flat gradient (its tensors concatenated in order): values offset .. offset + length - 1. */
const span = z.strictObject({ offset: count, length: count });

const base = {
  v: z.literal(PROTOCOL_VERSION),
  /** The run id; empty in HELLO, when the worker does not know it yet. */
  run: z.string().max(100),
  tensors: z.array(tensorSpec).max(100_000).default([]),
};

export const headerSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...base,
    type: z.literal('HELLO'),
    token: z.string().max(1000),
    rank: z.number().int().min(-1),
    pid: z.number().int(),
    host: z.string().max(300),
    backend: z.string().max(100),
  }),
  z.strictObject({ ...base, type: z.literal('WELCOME'), workerId: z.string().max(100), config: z.unknown() }),
  z.strictObject({
    ...base,
    type: z.literal('WEIGHTS'),
    net: name,
    version: count,
    /**
     * Worker-side broadcast (cluster.reduce: allreduce): the one float32 tensor is only this span of the network's
     * flat weights, for round `round`; the workers of the round's group gather the rest from each other (REDUCE
     * with `net`) and rebuild the tensors from `layout`.
     */
    part: span.extend({
      total: count,
      round: count,
      layout: z.array(z.strictObject({ name, shape: z.array(count).max(8) })).min(1).max(100_000),
    }).optional(),
  }),
  z.strictObject({
    ...base,
    type: z.literal('WORK'),
    round: count,
    step: count,
    phase: name,
    tag: name,
    /** Weight version of every network the round reads; the worker must hold exactly these. */
    versions: z.record(z.string(), count),
    blocks: z.array(block).min(1),
    shardSize: z.number().int().positive(),
    /**
     * cluster.reduce: allreduce: this worker is `index` of the round's reduction group, whose peer endpoints are
     * `peers` (in index order); it reduces with them by recursive halving and sends GRADS with `chunk`.
     */
    allreduce: z.strictObject({ index: count, peers: z.array(z.string().min(1).max(300)).min(2).max(1024) }).optional(),
  }),
  z.strictObject({
    ...base,
    type: z.literal('GRADS'),
    round: count,
    block,
    stats: z.record(z.string(), z.number()),
    /** Milliseconds the worker spent computing this block. */
    computeMs: z.number().min(0),
    /**
     * Worker-side reduction (WORK.allreduce): the one float32 tensor holds the whole round's reduced gradient for
     * this span of the flat gradient (`total` values); `stats` are still those of this worker's own block.
     */
    chunk: span.extend({ total: count }).optional(),
  }),
  z.strictObject({ ...base, type: z.literal('HEARTBEAT') }),
  /** Worker -> coordinator, as its first message after WELCOME under cluster.reduce: allreduce: where its peers reach it. */
  z.strictObject({ ...base, type: z.literal('PEER'), address: z.string().min(1).max(300) }),
  /**
   * Worker -> worker (recursive halving, src/train/halving.ts): the sender's partial sums for `span` at `level` of
   * round `round`, or (with `net`) its part of that network's weights; one float32 tensor.
   */
  z.strictObject({
    ...base, type: z.literal('REDUCE'), round: count, level: z.number().int().min(0).max(20), from: count, span,
    /** Set: an all-gather of this network's weights (recursive doubling), not a sum. */
    net: name.optional(),
  }),
  z.strictObject({ ...base, type: z.literal('LEAVE'), reason: z.string().max(2000) }),
  z.strictObject({
    ...base,
    type: z.literal('SHUTDOWN'),
    reason: z.string().max(2000),
    /** True when the run is over (workers exit 0); false when only this coordinator stops (evicted, failed): workers wait for its successor. */
    final: z.boolean().default(true),
  }),
  z.strictObject({
    ...base,
    type: z.literal('ERROR'),
    code: z.enum(ErrorCode),
    message: z.string().max(10_000),
    round: count.optional(),
    /** The block a worker could not compute (worker-failed, non-finite). */
    block: block.optional(),
  }),
]);

export type Header = z.infer<typeof headerSchema>;
export type HeaderOf<T extends MessageType> = Extract<Header, { type: T }>;
/** A header as a sender writes it: version and tensor list are filled in by the encoder. */
export type OutgoingHeader = { [T in MessageType]: Omit<HeaderOf<T>, 'v' | 'tensors'> }[MessageType];
