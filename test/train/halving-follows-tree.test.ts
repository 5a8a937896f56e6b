// Worker-side reduction (cluster.reduce: allreduce): recursive halving among N workers holding aligned blocks
// gives, for every value, exactly the bits of the coordinator's fixed tree over all micro-shards (DESIGN.md §3);
// a ring's left fold would not. Simulated in one process: N flat arrays, the plan's sends and adds level by level.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AllReduceWork } from '../../coordinator/allreduce.js';
import { KeyedRandom } from '../../src/rng.js';
import { addSpan, finalSpan, flatten, halvingBlocks, halvingPlan, unflatten } from '../../src/train/halving.js';
import { addLists, reduceNode } from '../../src/train/reduce.js';

/** Shard gradients with wide exponents, so that a different order of adds gives different bits. */
function shards(m: number, sizes: number[]): Float32Array[][] {
  return Array.from({ length: m }, (_, s) => sizes.map((n, k) => new KeyedRandom('halving', s, k).normal(n).map((v, i) => v * 10 ** ((i % 7) - 3))));
}

const tree = (leaves: Float32Array[][], lo: number, n: number) => reduceNode(lo, n, (l, c) => (c === 1 ? leaves[l] : undefined), addLists);

function halving(leaves: Float32Array[][], workers: number): Float32Array {
  const blocks = halvingBlocks(leaves.length, workers);
  assert.ok(blocks);
  const flats = blocks.map((b) => flatten(tree(leaves, b.lo, b.n)));
  const total = flats[0].length;
  const plans = flats.map((_, i) => halvingPlan(i, workers, total));
  for (let level = 0; level < plans[0].length; level++) {
    // Every worker sends first (a copy, as the wire makes one), then adds what it received.
    const sent = plans.map((p, i) => flats[i].slice(p[level].send.offset, p[level].send.offset + p[level].send.length));
    plans.forEach((p, i) => {
      const l = p[level];
      assert.deepEqual(plans[l.partner][level].send, l.keep, 'partners trade the halves the other keeps');
      addSpan(flats[i], l.keep, sent[l.partner]);
    });
  }
  const out = new Float32Array(total);
  const covered = new Uint8Array(total);
  flats.forEach((f, i) => {
    const s = finalSpan(i, workers, total);
    out.set(f.subarray(s.offset, s.offset + s.length), s.offset);
    covered.fill(covered[s.offset] + 1, s.offset, s.offset + s.length);
  });
  assert.ok(covered.every((c) => c === 1), 'the final spans cover every value once');
  return out;
}

test('recursive halving over 2, 4, 8 and 16 workers gives the fixed tree\'s bits for every value', () => {
  const sizes = [1001, 7, 3, 250];
  const leaves = shards(16, sizes);
  const reference = flatten(tree(leaves, 0, 16));
  for (const workers of [2, 4, 8, 16]) assert.deepEqual(halving(leaves, workers), reference, `${workers} workers`);
  // A ring's running sum (a left fold over the blocks) is a different order of adds: other bits.
  const fold = leaves.slice(1).reduce((acc, g) => addLists(acc, g), leaves[0]);
  assert.notDeepEqual(flatten(fold), reference);
});

test('tiny gradients (fewer values than workers) still reduce exactly', () => {
  const leaves = shards(8, [3]);
  assert.deepEqual(halving(leaves, 8), flatten(tree(leaves, 0, 8)));
});

test('halving applies only to powers of two, at least 2 workers, at most one per micro-shard', () => {
  assert.deepEqual(halvingBlocks(8, 4), [{ lo: 0, n: 2 }, { lo: 2, n: 2 }, { lo: 4, n: 2 }, { lo: 6, n: 2 }]);
  assert.deepEqual(halvingBlocks(4, 4), [{ lo: 0, n: 1 }, { lo: 1, n: 1 }, { lo: 2, n: 1 }, { lo: 3, n: 1 }]);
  for (const [m, n] of [[8, 1], [8, 3], [12, 4], [6, 2], [4, 8]]) assert.equal(halvingBlocks(m, n), undefined, `${m} shards, ${n} workers`);
  assert.deepEqual(halvingPlan(1, 4, 10).map((l) => [l.partner, l.keep]), [[0, { offset: 5, length: 5 }], [3, { offset: 5, length: 3 }]]);
});

test('the coordinator assembles the chunks and sums the blocks\' statistics along the tree; a wrong chunk is refused', () => {
  const sizes = [5, 6];
  const leaves = shards(4, sizes);
  const blocks = halvingBlocks(4, 2)!;
  const work = new AllReduceWork(['a', 'b'], blocks, sizes);
  const flat = halving(leaves, 2);
  const statsOf = (i: number) => ({ 'loss/D': 0.1 * (i + 1) });
  assert.throws(() => work.accept('b', { block: blocks[1], stats: statsOf(1), chunk: { offset: 0, length: 6, total: 11 } }, flat.subarray(0, 6)), /worker 1 of the group owes 6\+5 of 11/);
  assert.throws(() => work.accept('c', { block: blocks[0], stats: {}, chunk: { offset: 0, length: 6, total: 11 } }, flat.subarray(0, 6)), /outside/);
  assert.equal(work.accept('b', { block: blocks[1], stats: statsOf(1), chunk: { offset: 6, length: 5, total: 11 } }, flat.subarray(6)), false);
  assert.equal(work.accept('a', { block: blocks[0], stats: statsOf(0), chunk: { offset: 0, length: 6, total: 11 } }, flat.subarray(0, 6)), true);
  const res = work.result(4);
  assert.deepEqual(res.grads, unflatten(flatten(tree(leaves, 0, 4)), sizes));
  assert.deepEqual(res.stats, { 'loss/D': 0.1 + 0.2 });
  assert.equal(work.nonFinite(), -1);
});
