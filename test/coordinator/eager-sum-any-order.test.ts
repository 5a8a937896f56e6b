// The coordinator sums blocks as they arrive (overlap): for any block layout and any arrival order, the result is
// bit for bit the fixed tree's sum over all micro-shards (DESIGN.md §3), including M that is not a power of two.
// (Block results are copies: the sums are formed in place, as the coordinator does with decoded gradients.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EagerSum } from '../../coordinator/eager-sum.js';
import { KeyedRandom } from '../../src/rng.js';
import { addLists, assignShards, parentOf, reduceNode } from '../../src/train/reduce.js';

const leavesOf = (m: number) => Array.from({ length: m }, (_, s) => [new KeyedRandom('eager', s).normal(257).map((v, i) => v * 10 ** ((i % 9) - 4))]);
const tree = (leaves: Float32Array[][], lo: number, n: number) => reduceNode(lo, n, (l, c) => (c === 1 ? leaves[l] : undefined), addLists);

test('eager sums equal the tree\'s bits for every layout and arrival order', () => {
  for (const m of [8, 12, 7, 16]) {
    const leaves = leavesOf(m);
    const reference = tree(leaves, 0, m);
    for (const workers of [1, 2, 3, 5]) {
      const blocks = assignShards(m, workers).flat();
      for (let trial = 0; trial < 6; trial++) {
        const r = new KeyedRandom('order', m, workers, trial);
        const order = blocks.map((b) => ({ b, k: r.uniform() })).sort((x, y) => x.k - y.k).map((x) => x.b);
        const sum = new EagerSum(m);
        for (const b of order) sum.add(b, { grads: tree(leaves, b.lo, b.n).map((g) => g.slice()), stats: { 'loss/D': b.n } });
        const out = sum.result();
        assert.deepEqual(out.grads, reference, `${m} shards, ${workers} workers, order ${order.map((b) => `${b.lo}:${b.n}`)}`);
        assert.deepEqual(out.stats, { 'loss/D': m });
      }
    }
  }
});

test('parentOf walks the tree that splits at the largest power of two below n', () => {
  assert.deepEqual(parentOf({ lo: 0, n: 8 }, 12), { parent: { lo: 0, n: 12 }, sibling: { lo: 8, n: 4 } });
  assert.deepEqual(parentOf({ lo: 6, n: 1 }, 7), { parent: { lo: 4, n: 3 }, sibling: { lo: 4, n: 2 } });
  assert.deepEqual(parentOf({ lo: 2, n: 2 }, 8), { parent: { lo: 0, n: 4 }, sibling: { lo: 0, n: 2 } });
  assert.equal(parentOf({ lo: 0, n: 8 }, 8), undefined);
});
