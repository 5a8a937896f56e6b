// The bookkeeping of one round's blocks: who was given which block when, which results arrived, and which
// blocks need another worker (their workers are gone, silent, or far slower than the rest). Pure: no
// sockets, no clocks of its own, so the reassignment rules are tested without processes.
import type { Block } from '../src/train/reduce.js';

export interface BlockResult {
  grads: Float32Array[];
  stats: Record<string, number>;
}

interface BlockState {
  block: Block;
  /** Member id -> when it was given the block (ms). */
  given: Map<string, number>;
  result?: BlockResult;
  /** Members that reported they could not compute it. */
  failed: Set<string>;
}

export type Accepted = 'accepted' | 'duplicate' | 'not-given';

export const blockKey = (b: Block): string => `${b.lo}:${b.n}`;

export class RoundWork {
  private readonly states = new Map<string, BlockState>();
  private readonly latencies: number[] = [];

  constructor(blocks: readonly Block[]) {
    for (const block of blocks) this.states.set(blockKey(block), { block, given: new Map(), failed: new Set() });
  }

  give(member: string, blocks: readonly Block[], now: number): void {
    for (const b of blocks) this.state(b).given.set(member, now);
  }

  /** When `member` was given `block` (ms), if it was. */
  givenAt(member: string, block: Block): number | undefined {
    return this.states.get(blockKey(block))?.given.get(member);
  }

  wasGiven(member: string, block: Block): boolean {
    return this.states.get(blockKey(block))?.given.has(member) ?? false;
  }

  isDone(block: Block): boolean {
    return this.states.get(blockKey(block))?.result !== undefined;
  }

  /** Records a block's result; the first valid result wins, later ones are duplicates. */
  accept(member: string, block: Block, result: BlockResult, now: number): Accepted {
    const s = this.states.get(blockKey(block));
    if (!s || !s.given.has(member)) return 'not-given';
    if (s.result) return 'duplicate';
    s.result = result;
    this.latencies.push(now - (s.given.get(member) as number));
    return 'accepted';
  }

  /** Records that `member` could not compute `block`; returns how many distinct members have failed on it. */
  fail(member: string, block: Block): number {
    const s = this.state(block);
    s.given.delete(member);
    s.failed.add(member);
    return s.failed.size;
  }

  /** Forgets a member that is gone: its blocks no longer count as being worked on. */
  drop(member: string): void {
    for (const s of this.states.values()) s.given.delete(member);
  }

  complete(): boolean {
    return [...this.states.values()].every((s) => s.result);
  }

  get size(): number {
    return this.states.size;
  }

  result(lo: number, n: number): BlockResult | undefined {
    return this.states.get(`${lo}:${n}`)?.result;
  }

  /** Open blocks no member is working on any more (all were dropped, or none had it): they must be given out. */
  orphans(): Block[] {
    return this.open().filter((s) => s.given.size === 0).map((s) => s.block);
  }

  /**
   * Open blocks worth a speculative copy: every member holding it is suspect (silent), or it has run far
   * longer than the blocks already done (a straggler: more than `factor` x their median latency and at least
   * `minMs`). A block already held by `maxCopies` members gets no more.
   */
  speculative(isSuspect: (member: string) => boolean, now: number, opts: { factor: number; minMs: number; maxCopies: number }): Block[] {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : Infinity;
    const limit = Math.max(opts.minMs, opts.factor * median);
    return this.open()
      .filter((s) => s.given.size > 0 && s.given.size < opts.maxCopies)
      .filter((s) => [...s.given.keys()].every(isSuspect) || [...s.given.values()].every((t) => now - t > limit))
      .map((s) => s.block);
  }

  private open(): BlockState[] {
    return [...this.states.values()].filter((s) => !s.result);
  }

  private state(b: Block): BlockState {
    const s = this.states.get(blockKey(b));
    if (!s) throw new Error(`block ${blockKey(b)} is not part of this round`);
    return s;
  }
}
