// The fixed reduction tree over micro-shard indices (DESIGN.md §3): ((g0+g1)+(g2+g3))+((g4+g5)+(g6+g7)).
// For M not a power of two, a node of n leaves splits at the largest power of two below n, so the tree is
// still fixed by M alone. Whoever computes a node's sum, the result is the same bits.

import { nativeVector, NATIVE_VECTOR_MIN, type KernelChoice } from '../backend/openblas-addon.js';

/** A node of the tree: the n shards starting at lo. */
export interface Block { lo: number; n: number }

/** Size of the left child of a node with n > 1 leaves. */
export function leftSize(n: number): number {
  let h = 1;
  while (h * 2 < n) h *= 2;
  return h;
}

/** Splits shards [start, end) into the fewest tree nodes covering exactly that range, in order. */
export function blocksOf(start: number, end: number, total: number): Block[] {
  const out: Block[] = [];
  const visit = (lo: number, n: number) => {
    const hi = lo + n;
    if (hi <= start || lo >= end) return;
    if (lo >= start && hi <= end) {
      out.push({ lo, n });
      return;
    }
    const h = leftSize(n);
    visit(lo, h);
    visit(lo + h, n - h);
  };
  visit(0, total);
  return out;
}

/** Balanced contiguous ranges of shards for each of `workers` workers (earlier workers get the remainder). */
export function assignShards(total: number, workers: number): Block[][] {
  const out: Block[][] = [];
  let start = 0;
  for (let w = 0; w < workers; w++) {
    const size = Math.floor(total / workers) + (w < total % workers ? 1 : 0);
    out.push(size > 0 ? blocksOf(start, start + size, total) : []);
    start += size;
  }
  return out;
}

/** Element-wise a + b for lists of arrays, into a new list (float32 adds: exact IEEE single rounding). */
export function addLists(a: readonly Float32Array[], b: readonly Float32Array[]): Float32Array[] {
  return a.map((x, k) => {
    const y = b[k];
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = x[i] + y[i];
    return out;
  });
}

/**
 * Element-wise a += b for lists of arrays, in place (for sums whose inputs are consumed); returns a. Large
 * arrays go to the native addon's loop when it is built (native/vector.cc: the same float32 adds, so the same
 * bits); `kernel: 'js'` always runs the JS loop (for comparisons).
 */
export function addInto(a: Float32Array[], b: readonly Float32Array[], kernel: KernelChoice = 'auto'): Float32Array[] {
  const native = kernel === 'auto' ? nativeVector() : undefined;
  for (let k = 0; k < a.length; k++) {
    const x = a[k];
    const y = b[k];
    if (y.length !== x.length) throw new RangeError(`addInto: array ${k} has ${x.length} and ${y.length} values`);
    if (native && x.length >= NATIVE_VECTOR_MIN) {
      native.addInto(x, y);
      continue;
    }
    for (let i = 0; i < x.length; i++) x[i] += y[i];
  }
  return a;
}

/**
 * Sums the node (lo, n) of the tree. `known(lo, n)` returns a node's sum when it is already computed (a leaf
 * gradient or a worker's pre-reduced block); every other node is the sum of its two children.
 */
export function reduceNode<T>(lo: number, n: number, known: (lo: number, n: number) => T | undefined, add: (a: T, b: T) => T): T {
  const have = known(lo, n);
  if (have !== undefined) return have;
  if (n === 1) throw new Error(`reduction: shard ${lo} is missing`);
  const h = leftSize(n);
  return add(reduceNode(lo, h, known, add), reduceNode(lo + h, n - h, known, add));
}

/** The parent of a node of the tree over `total` shards and its other child; undefined for the root. */
export function parentOf(node: Block, total: number): { parent: Block; sibling: Block } | undefined {
  let at: Block = { lo: 0, n: total };
  while (at.n > node.n) {
    const h = leftSize(at.n);
    const left = { lo: at.lo, n: h };
    const right = { lo: at.lo + h, n: at.n - h };
    const inLeft = node.lo < right.lo;
    const child = inLeft ? left : right;
    if (child.lo === node.lo && child.n === node.n) return { parent: at, sibling: inLeft ? right : left };
    at = child;
  }
  return undefined;
}

/** Adds statistics by key (in the same tree order as the gradients, so they too are independent of workers). */
export function addStats(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}
