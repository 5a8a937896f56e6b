import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addLists, assignShards, blocksOf, leftSize, reduceNode } from '../../src/train/reduce.js';

test('blocks are whole subtrees covering exactly the range', () => {
  assert.deepEqual(blocksOf(0, 8, 8), [{ lo: 0, n: 8 }]);
  assert.deepEqual(blocksOf(0, 3, 8), [{ lo: 0, n: 2 }, { lo: 2, n: 1 }]);
  assert.deepEqual(blocksOf(3, 6, 8), [{ lo: 3, n: 1 }, { lo: 4, n: 2 }]);
  assert.deepEqual(blocksOf(0, 6, 6), [{ lo: 0, n: 6 }]);
  assert.equal(leftSize(6), 4);
  assert.equal(leftSize(2), 1);
});

test('every worker count covers every shard exactly once', () => {
  for (const total of [1, 2, 3, 6, 8, 16]) {
    for (let workers = 1; workers <= 10; workers++) {
      const seen = new Array(total).fill(0);
      for (const blocks of assignShards(total, workers)) for (const b of blocks) for (let s = b.lo; s < b.lo + b.n; s++) seen[s]++;
      assert.deepEqual(seen, new Array(total).fill(1), `total ${total}, workers ${workers}`);
    }
  }
});

test('the reduced sum is bit-identical whatever the pre-reduced blocks', () => {
  // Values chosen so that float32 addition order matters.
  const leaves: Float32Array[][] = Array.from({ length: 8 }, (_, i) => [Float32Array.from([1e8 * (i % 2 ? 1 : -1) + i * 0.37, Math.fround(1 / (i + 3))])]);
  const add = (a: Float32Array[], b: Float32Array[]) => addLists(a, b);
  const reference = reduceNode(0, 8, (lo, n) => (n === 1 ? leaves[lo] : undefined), add);
  for (let workers = 1; workers <= 8; workers++) {
    const known = new Map<string, Float32Array[]>();
    const leaf = (lo: number, n: number): Float32Array[] | undefined => (n === 1 ? leaves[lo] : undefined);
    for (const blocks of assignShards(8, workers)) {
      for (const b of blocks) known.set(`${b.lo}:${b.n}`, reduceNode(b.lo, b.n, leaf, add));
    }
    const total = reduceNode(0, 8, (lo, n) => known.get(`${lo}:${n}`), add);
    assert.deepEqual(total, reference, `${workers} workers`);
  }
  // A different order gives different bits: the test would catch an order change.
  const leftToRight = leaves.reduce((a, b) => addLists(a, b));
  assert.notDeepEqual(leftToRight, reference);
});
