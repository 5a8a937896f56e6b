// The step-speed changes of issue 10, each timed against what it replaced, interleaved in one process so that
// a loaded machine slows both alike (report ratios, not absolutes). Seed GAN sizes by default.
//   node dist/bench/speedups.js [--config configs/seed-gan.yaml] [--reps 15]
// 1. Adam over all of G's and D's weights: the JS loop vs the native loop (bit-identical; test/train/adam-native).
// 2. allFinite over a 1.5M-value gradient and addInto of two gradients: the JS loops vs native/vector.cc's.
// 3. One micro-shard's D and G gradients on wasm: stock Identity (a copy per saved tensor) vs the shared one.
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/backend/index.js';
import { identitySharePatch } from '../src/backend/identity-share-patch.js';
import { loadConfig } from '../src/config/index.js';
import { allFinite } from '../src/protocol/index.js';
import { addInto } from '../src/train/reduce.js';
import { adamInit, adamStep, type AdamKernel } from '../src/train/adam.js';
import { shardGradients } from '../src/train/shard-gradients.js';
import { ModelReplica } from '../worker/replica.js';

const { values: args } = parseArgs({ options: { config: { type: 'string' }, reps: { type: 'string', default: '15' } } });
const reps = Number(args.reps);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median ms of each variant, run alternately `reps` times after one warm-up each. */
function compare(label: string, variants: Record<string, () => void>): void {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = -1; r < reps; r++) {
    for (const [name, run] of Object.entries(variants)) {
      const t0 = performance.now();
      run();
      if (r >= 0) times[name].push(performance.now() - t0);
    }
  }
  const [before, after] = Object.keys(variants).map((k) => median(times[k]));
  const [b, a] = Object.keys(variants);
  process.stdout.write(`${label.padEnd(44)} ${b} ${before.toFixed(1).padStart(7)} ms   ${a} ${after.toFixed(1).padStart(7)} ms   ${(before / after).toFixed(2)}x\n`);
}

const config = loadConfig(args.config, ['backend=wasm']);
await initBackend('wasm', { patches: false });
const stockIdentity = tf.getKernel('Identity', 'wasm');
await initBackend('wasm', { patches: true });
const replica = new ModelReplica(config);
const nets = replica.replica.nets;

// 1. Adam on the master weights of every network.
const weights = Object.values(nets).flatMap((m) => m.trainableWeights.map((w) => w.read().dataSync() as Float32Array));
const grads = weights.map((w) => w.map((_, i) => Math.sin(i) * 1e-3));
const sizes = weights.map((w) => w.length);
const states = { js: adamInit(sizes), native: adamInit(sizes) };
const adam = (kernel: AdamKernel, state: ReturnType<typeof adamInit>) => () => adamStep(weights.map((w) => w), grads, state, config.optimizer.D!, undefined, kernel);
process.stdout.write(`${sizes.reduce((a, b) => a + b, 0)} weights; ${reps} alternating repetitions, medians\n`);
compare('Adam, all networks (coordinator)', { js: adam('js', states.js), native: adam('auto', states.native) });

// 2. The finiteness check of one gradient (workers and coordinator run it on every tensor they get or make), and
// the sum of two whole gradients (a worker's micro-shards; the coordinator's blocks). addInto accumulates, so the
// values grow by `grads` each call: harmless for timing.
const big = grads.reduce((a, b) => (b.length > a.length ? b : a));
compare(`allFinite, ${big.length} values`, { js: () => allFinite(big, 'js'), native: () => allFinite(big) });
const sums = { js: weights.map((w) => w.slice()), native: weights.map((w) => w.slice()) };
compare(`addInto, all networks`, { js: () => addInto(sums.js, grads, 'js'), native: () => addInto(sums.native, grads) });

// 3. One micro-shard of the D and the G round.
const count = config.train.batchSize / config.train.microShards;
const x = Uint8Array.from({ length: count * 784 }, (_, i) => (i * 37) % 256);
const useIdentity = (kernel: tf.KernelConfig) => {
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel(kernel);
};
const patched = identitySharePatch.build(stockIdentity);
for (const phase of ['D', 'G']) {
  const task = { phase, tag: phase, step: 0, shard: 0, count, x };
  compare(`${phase} micro-shard gradients (${count} samples), wasm`, {
    stock: () => { useIdentity(stockIdentity); shardGradients(replica.replica, task); },
    shared: () => { useIdentity(patched); shardGradients(replica.replica, task); },
  });
}
replica.dispose();
