// The reassignment rules of a round, without sockets: orphans, stragglers, suspects, duplicates, failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoundWork } from '../../coordinator/round-work.js';
import { assignShards } from '../../src/train/reduce.js';

const result = (v: number) => ({ grads: [new Float32Array([v])], stats: { x: v } });
const opts = { factor: 3, minMs: 1000, maxCopies: 2 };

test('a lost worker\'s blocks become orphans; the first result wins, duplicates and strangers are not taken', () => {
  const [a, b] = assignShards(6, 2); // two blocks each
  const work = new RoundWork([...a, ...b]);
  work.give('w1', a, 0);
  work.give('w2', b, 0);
  assert.deepEqual(work.orphans(), []);
  work.drop('w2');
  assert.deepEqual(work.orphans(), b);
  work.give('w1', b, 10);
  assert.deepEqual(work.orphans(), []);
  for (const blk of a) assert.equal(work.accept('w1', blk, result(1), 20), 'accepted');
  assert.equal(work.accept('w2', b[0], result(2), 20), 'not-given', 'a dropped worker\'s late answer is not taken');
  assert.equal(work.accept('w1', b[0], result(3), 30), 'accepted');
  assert.equal(work.accept('w1', b[0], result(4), 30), 'duplicate');
  assert.equal(work.complete(), false);
  for (const blk of b.slice(1)) work.accept('w1', blk, result(5), 40);
  assert.equal(work.complete(), true);
  assert.equal(work.result(b[0].lo, b[0].n)?.stats.x, 3, 'the first result won');
});

test('speculative copies go to blocks held only by suspects, or running far past the median, at most maxCopies', () => {
  const blocks = assignShards(4, 4).flat();
  const work = new RoundWork(blocks);
  blocks.forEach((blk, i) => work.give(`w${i}`, [blk], 0));
  const none = () => false;
  assert.deepEqual(work.speculative(none, 500, opts), [], 'nothing is slow before any block finished');
  assert.deepEqual(work.speculative((id) => id === 'w3', 500, opts), [blocks[3]], 'a suspect\'s block');
  work.accept('w0', blocks[0], result(0), 100);
  work.accept('w1', blocks[1], result(0), 120);
  assert.deepEqual(work.speculative(none, 900, opts), [], 'not yet past max(minMs, 3 x median)');
  assert.deepEqual(work.speculative(none, 1100, opts), [blocks[2], blocks[3]], 'stragglers');
  work.give('w0', [blocks[2]], 1100);
  assert.deepEqual(work.speculative(none, 5000, opts), [blocks[3]], 'a block with a backup gets no third copy');
});

test('a block that fails counts distinct workers and is no longer held by them', () => {
  const [blk] = assignShards(2, 1)[0];
  const work = new RoundWork([blk]);
  work.give('w1', [blk], 0);
  assert.equal(work.fail('w1', blk), 1);
  assert.deepEqual(work.orphans(), [blk]);
  work.give('w2', [blk], 5);
  assert.equal(work.fail('w2', blk), 2);
  assert.equal(work.fail('w2', blk), 2, 'the same worker twice counts once');
});
