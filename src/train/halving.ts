// Worker-side reduction by recursive halving (the reduce-scatter half of Rabenseifner's all-reduce; Thakur,
// Rabenseifner & Gropp 2005, "Optimization of Collective Communication Operations in MPICH"), laid out so that it
// follows the fixed reduction tree of DESIGN.md §3 exactly: N workers (a power of two) each hold the pre-reduced
// gradient of one aligned block of M/N shards (M a power of two), block i = worker i. In level k, partners 2^k
// apart (i XOR 2^k) exchange halves of their current range of the flat gradient, and each adds the two halves for
// the half it keeps: the sum of the aligned groups of 2^k workers below and above, i.e. one node of the tree.
// After log2 N levels worker i holds the whole tree's sum for 1/N of the values (the chunk of bit-reversed i).
// A ring's running sums (((g0+g1)+g2)+g3) would be a left fold instead: different bits, so not used here.
import { assignShards, type Block } from './reduce.js';

/** A range of the flat gradient (all of a round's gradient tensors, concatenated in order). */
export interface Span { offset: number; length: number }

/** One level of a worker's exchange: whom it trades with, what it sends, what it keeps and adds into. */
export interface HalvingLevel { level: number; partner: number; send: Span; keep: Span }

const isPowerOfTwo = (n: number) => Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;

/**
 * The workers' blocks when recursive halving follows the tree for M shards over N workers: each worker then
 * holds exactly one aligned block of M/N shards; undefined when it cannot (N < 2, N or M not a power of two, or
 * N > M), and the round is reduced by the coordinator (star) instead.
 */
export function halvingBlocks(microShards: number, workers: number): Block[] | undefined {
  if (workers < 2 || !isPowerOfTwo(workers) || !isPowerOfTwo(microShards) || workers > microShards) return undefined;
  return assignShards(microShards, workers).map((blocks) => blocks[0]);
}

/** The two halves of a span; the lower keeps the extra value of an odd length. */
function split(s: Span): [Span, Span] {
  const low = Math.ceil(s.length / 2);
  return [{ offset: s.offset, length: low }, { offset: s.offset + low, length: s.length - low }];
}

/** Worker `index`'s levels, for N workers and a flat gradient of `total` values. */
export function halvingPlan(index: number, workers: number, total: number): HalvingLevel[] {
  const levels: HalvingLevel[] = [];
  let range: Span = { offset: 0, length: total };
  for (let level = 0; 2 ** level < workers; level++) {
    const bit = 2 ** level;
    const [low, high] = split(range);
    const upper = (index & bit) !== 0;
    levels.push({ level, partner: index ^ bit, send: upper ? low : high, keep: upper ? high : low });
    range = upper ? high : low;
  }
  return levels;
}

/** The span worker `index` holds reduced at the end (what it sends the coordinator). */
export function finalSpan(index: number, workers: number, total: number): Span {
  const plan = halvingPlan(index, workers, total);
  return plan.length ? plan[plan.length - 1].keep : { offset: 0, length: total };
}

/** Adds `theirs` into `mine[keep]` in place: one node of the tree for those values (IEEE float32 adds commute). */
export function addSpan(mine: Float32Array, keep: Span, theirs: Float32Array): void {
  if (theirs.length !== keep.length) throw new Error(`halving: ${theirs.length} values for a span of ${keep.length}`);
  for (let i = 0; i < keep.length; i++) mine[keep.offset + i] += theirs[i];
}

/** All of a block's gradient tensors in one flat array (the exchange works on ranges of it). */
export function flatten(grads: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(grads.reduce((a, g) => a + g.length, 0));
  let at = 0;
  for (const g of grads) {
    out.set(g, at);
    at += g.length;
  }
  return out;
}

/** Splits a flat array back into tensors of the given sizes (copies). */
export function unflatten(flat: Float32Array, sizes: readonly number[]): Float32Array[] {
  let at = 0;
  return sizes.map((n) => flat.slice(at, (at += n)));
}
