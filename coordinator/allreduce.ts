// The coordinator's side of a worker-side reduction round (cluster.reduce: allreduce): who is worker i of the
// group, which span of the flat gradient each must send back, and the assembly of those spans (and of the
// blocks' statistics, along the same fixed tree) into the round's result. Pure: no sockets, no clocks, so the
// checks are tested without processes. Any failure of the group makes the round fall back to star (cluster.ts).
import { ProtocolError } from '../src/errors.js';
import { allFinite } from '../src/protocol/index.js';
import { finalSpan, type Span } from '../src/train/halving.js';
import { addStats, reduceNode, type Block } from '../src/train/reduce.js';

export interface ChunkHeader { block: Block; stats: Record<string, number>; chunk: Span & { total: number } }

export class AllReduceWork {
  private readonly spans: Span[];
  /** The summed flat gradient; each chunk is copied in as it arrives (while the others are still on their way). */
  private readonly flat: Float32Array;
  private readonly arrived = new Set<number>();
  private firstNonFinite = -1;
  private readonly stats = new Map<number, Record<string, number>>();
  readonly total: number;

  /** `members[i]` computes `blocks[i]` and ends holding span i of the sum. */
  constructor(readonly members: readonly string[], readonly blocks: readonly Block[], readonly gradSizes: readonly number[]) {
    this.total = gradSizes.reduce((a, b) => a + b, 0);
    this.spans = members.map((_, i) => finalSpan(i, members.length, this.total));
    this.flat = new Float32Array(this.total);
  }

  indexOf(member: string): number {
    return this.members.indexOf(member);
  }

  /** Checks and keeps one worker's chunk; returns whether every chunk is in. Throws a ProtocolError for a bad one. */
  accept(member: string, header: ChunkHeader, data: Float32Array): boolean {
    const i = this.indexOf(member);
    const want = this.spans[i];
    if (i < 0) throw new ProtocolError('a reduced chunk from a worker outside the round\'s reduction group');
    const b = this.blocks[i];
    const c = header.chunk;
    if (header.block.lo !== b.lo || header.block.n !== b.n || c.total !== this.total || c.offset !== want.offset || c.length !== want.length || data.length !== want.length) {
      throw new ProtocolError(
        `GRADS chunk ${c.offset}+${c.length} of ${c.total} for block ${header.block.lo}:${header.block.n}: ` +
          `worker ${i} of the group owes ${want.offset}+${want.length} of ${this.total} for block ${b.lo}:${b.n}`,
      );
    }
    this.flat.set(data, want.offset);
    if (this.firstNonFinite < 0 && !allFinite(data)) this.firstNonFinite = i;
    this.arrived.add(i);
    this.stats.set(i, header.stats);
    return this.complete();
  }

  complete(): boolean {
    return this.arrived.size === this.members.length;
  }

  /** Index of a chunk holding a NaN or infinity, or -1. */
  nonFinite(): number {
    return this.firstNonFinite;
  }

  /** The round's gradient tensors (views of one array) and statistics (summed along the fixed tree over the blocks, as star does). */
  result(microShards: number): { grads: Float32Array[]; stats: Record<string, number> } {
    const byBlock = new Map(this.blocks.map((b, i) => [`${b.lo}:${b.n}`, this.stats.get(i) as Record<string, number>]));
    const stats = reduceNode(0, microShards, (lo, n) => byBlock.get(`${lo}:${n}`), addStats);
    let at = 0;
    return { grads: this.gradSizes.map((n) => this.flat.subarray(at, (at += n))), stats };
  }
}
