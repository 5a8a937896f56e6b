// Sampler (DESIGN.md §3): batches and micro-shards are a pure function of (seed, count, batch size).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DataError } from '../../src/errors.js';
import { KeyedRandom } from '../../src/rng.js';
import { Sampler } from '../../src/data/index.js';

const batches = (s: Sampler, n: number): number[][] => Array.from({ length: n }, (_, b) => Array.from(s.batch(b)));

describe('Sampler', () => {
  test('the same seed gives the same indices; another seed gives others', () => {
    const opts = { seed: 7, count: 1000, batchSize: 64, microShards: 4 };
    assert.deepEqual(batches(new Sampler(opts), 40), batches(new Sampler(opts), 40));
    assert.notDeepEqual(batches(new Sampler(opts), 40), batches(new Sampler({ ...opts, seed: 8 }), 40));
  });

  test('pinned indices: a change here breaks resumed runs and recorded determinism checks', () => {
    const s = new Sampler({ seed: 1234, count: 10, batchSize: 4, microShards: 2 });
    assert.deepEqual(batches(s, 4), [[9, 4, 2, 5], [8, 1, 3, 6], [0, 7, 1, 7], [4, 6, 8, 5]]);
  });

  test('position p reads slot p % count of the permutation keyed by (seed, "epoch", floor(p / count))', () => {
    const [seed, count, batchSize] = [3, 50, 16];
    const s = new Sampler({ seed, count, batchSize, microShards: 1 });
    const perms = [0, 1, 2, 3, 4, 5].map((e) => new KeyedRandom(seed, 'epoch', e).permutation(count));
    for (let b = 0; b < 18; b++) {
      const expected = Array.from({ length: batchSize }, (_, i) => {
        const p = b * batchSize + i;
        return perms[Math.floor(p / count)][p % count];
      });
      assert.deepEqual(Array.from(s.batch(b)), expected, `batch ${b}`);
    }
  });

  test('each epoch visits every index exactly once, also when batches span epochs', () => {
    const count = 100;
    const s = new Sampler({ seed: 11, count, batchSize: 30, microShards: 3 }); // 30 does not divide 100
    const stream = batches(s, 10).flat(); // 300 positions = 3 epochs
    for (let e = 0; e < 3; e++) {
      const epoch = stream.slice(e * count, (e + 1) * count).sort((a, b) => a - b);
      assert.deepEqual(epoch, Array.from({ length: count }, (_, i) => i), `epoch ${e}`);
    }
    assert.notDeepEqual(stream.slice(0, count), stream.slice(count, 2 * count), 'each epoch is shuffled anew');
  });

  test('micro-shards are contiguous slices that concatenate to the batch', () => {
    const s = new Sampler({ seed: 5, count: 97, batchSize: 24, microShards: 8 });
    assert.equal(s.shardSize, 3);
    for (const b of [0, 3, 4, 250]) {
      const shards = Array.from({ length: 8 }, (_, k) => Array.from(s.shard(b, k)));
      assert.deepEqual(shards.flat(), Array.from(s.batch(b)), `batch ${b}`);
    }
  });

  test('results do not depend on the order of queries (the permutation cache is invisible)', () => {
    const opts = { seed: 9, count: 40, batchSize: 16, microShards: 4 };
    const jumping = new Sampler(opts);
    const order = [30, 0, 31, 2, 1, 12, 29, 0];
    const got = order.map((b) => Array.from(jumping.shard(b, b % 4)));
    const fresh = order.map((b) => Array.from(new Sampler(opts).shard(b, b % 4)));
    assert.deepEqual(got, fresh);
    jumping.epochOrder(0).fill(0); // a copy: scribbling on it changes nothing
    assert.deepEqual(Array.from(jumping.batch(0)), Array.from(new Sampler(opts).batch(0)));
  });

  test('bad arguments are clear errors', () => {
    assert.throws(() => new Sampler({ seed: 1, count: 10, batchSize: 10, microShards: 4 }), (err: unknown) => {
      assert.ok(err instanceof DataError);
      assert.match(err.message, /batchSize 10 is not divisible by microShards 4/);
      return true;
    });
    assert.throws(() => new Sampler({ seed: 1, count: 0, batchSize: 8, microShards: 4 }), /count must be a positive integer/);
    assert.throws(() => new Sampler({ seed: 1.5, count: 10, batchSize: 8, microShards: 4 }), /seed must be an integer/);
    const s = new Sampler({ seed: 1, count: 10, batchSize: 8, microShards: 4 });
    assert.throws(() => s.shard(0, 4), /shard 4 is outside 0..3/);
    assert.throws(() => s.batch(-1), /batchIndex must be a non-negative integer/);
  });
});
