// Deterministic sample order (DESIGN.md §3): which dataset indices make up each global batch and micro-shard.
import { DataError } from '../errors.js';
import { KeyedRandom } from '../rng.js';

/** The fixed parameters of a run's sample order. */
export interface SamplerOptions {
  seed: number;
  /** Dataset size. */
  count: number;
  /** Global batch size B. */
  batchSize: number;
  /** Micro-shards M per batch; B must be a multiple of M. */
  microShards: number;
}

// Two epochs are live at once only while a batch spans an epoch boundary.
const CACHED_EPOCHS = 2;

/**
 * Maps (batch, micro-shard) to dataset indices. The samples are read as one endless stream: global position
 * p = batch * B + i lies in epoch floor(p / count) at slot p % count of that epoch's permutation, keyed by
 * (seed, 'epoch', epoch). A batch may span two epochs, so every epoch visits each index exactly once, and the
 * order depends on nothing but (seed, count, B): not on workers, nor on how batches are split into shards.
 */
export class Sampler {
  readonly seed: number;
  readonly count: number;
  readonly batchSize: number;
  readonly microShards: number;
  /** B / M, the samples in one micro-shard. */
  readonly shardSize: number;
  private readonly epochs = new Map<number, Uint32Array>(); // insertion order = least recently used first

  constructor(opts: SamplerOptions) {
    const { seed, count, batchSize, microShards } = opts;
    for (const [key, value] of Object.entries({ count, batchSize, microShards })) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new DataError(`Sampler: ${key} must be a positive integer, got ${value}`);
      }
    }
    if (!Number.isSafeInteger(seed)) throw new DataError(`Sampler: seed must be an integer, got ${seed}`);
    if (batchSize % microShards !== 0) {
      throw new DataError(
        `Sampler: batchSize ${batchSize} is not divisible by microShards ${microShards}; ` +
          'every micro-shard must hold the same number of samples',
      );
    }
    this.seed = seed;
    this.count = count;
    this.batchSize = batchSize;
    this.microShards = microShards;
    this.shardSize = batchSize / microShards;
  }

  /** The batchSize dataset indices of global batch `batchIndex` (0-based). */
  batch(batchIndex: number): Uint32Array {
    this.checkIndex('batchIndex', batchIndex);
    return this.indices(batchIndex * this.batchSize, this.batchSize);
  }

  /** The shardSize indices of micro-shard `shard` of batch `batchIndex`: a contiguous slice of batch(). */
  shard(batchIndex: number, shard: number): Uint32Array {
    this.checkIndex('batchIndex', batchIndex);
    this.checkIndex('shard', shard);
    if (shard >= this.microShards) {
      throw new DataError(`Sampler: shard ${shard} is outside 0..${this.microShards - 1}`);
    }
    return this.indices(batchIndex * this.batchSize + shard * this.shardSize, this.shardSize);
  }

  /**
   * The n dataset indices at global positions start .. start + n - 1 of the endless stream: how runs whose
   * batch size changes between stages (src/train/stages.ts) read their batches.
   */
  range(start: number, n: number): Uint32Array {
    this.checkIndex('start', start);
    this.checkIndex('n', n);
    return this.indices(start, n);
  }

  /** The order in which epoch `epoch` visits the dataset: a permutation of 0..count-1 (a copy). */
  epochOrder(epoch: number): Uint32Array {
    this.checkIndex('epoch', epoch);
    return this.permutation(epoch).slice();
  }

  // The cached permutation itself: callers inside this class only read it.
  private permutation(epoch: number): Uint32Array {
    let perm = this.epochs.get(epoch);
    if (perm) {
      this.epochs.delete(epoch); // re-insert: most recently used
    } else {
      perm = new KeyedRandom(this.seed, 'epoch', epoch).permutation(this.count);
      if (this.epochs.size >= CACHED_EPOCHS) this.epochs.delete(this.epochs.keys().next().value as number);
    }
    this.epochs.set(epoch, perm);
    return perm;
  }

  // Indices of global positions start .. start + n - 1, taken from one or more epochs.
  private indices(start: number, n: number): Uint32Array {
    const out = new Uint32Array(n);
    let filled = 0;
    while (filled < n) {
      const p = start + filled;
      const epoch = Math.floor(p / this.count);
      const slot = p % this.count;
      const take = Math.min(n - filled, this.count - slot);
      out.set(this.permutation(epoch).subarray(slot, slot + take), filled);
      filled += take;
    }
    return out;
  }

  private checkIndex(name: string, value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new DataError(`Sampler: ${name} must be a non-negative integer, got ${value}`);
    }
  }
}
