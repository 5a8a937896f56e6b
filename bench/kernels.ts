// Share of a shard's gradient time per TF.js kernel, for any recipe: node --import tsx bench/kernels.ts <config.yaml> [phase] [reps]
// (tf.profile: kernel wall times on the wasm backend are synchronous, so they are real.)
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.js';
import { loadConfig } from '../src/config/index.js';
import { loadDataset } from '../src/data/index.js';
import { MasterState } from '../coordinator/master.js';
import { ModelReplica } from '../worker/replica.js';
import { shardGradients } from '../src/train/shard-gradients.js';

const [file, phaseArg, repsArg] = process.argv.slice(2);
await initBackend((process.env.BACKEND ?? 'wasm') as 'wasm');
const config = loadConfig(file, (process.env.SETS ?? '').split(' ').filter(Boolean));
const data = await loadDataset({ source: 'mnist-embedded', split: 'train' });
const image = { height: 28, width: 28, channels: 1 };
const master = MasterState.fresh(config, image);
const replica = new ModelReplica(config);
for (const net of Object.keys(master.nets)) replica.setWeights(net, 0, master.wire(net));
const count = config.train.batchSize / config.train.microShards;
const x = data.images.subarray(0, count * 784);
const phases = phaseArg ? [phaseArg] : Object.keys(replica.replica.family.phases);
const reps = Number(repsArg ?? 3);
for (const phase of phases) {
  const usesData = replica.replica.family.phases[phase].usesData;
  const task = { phase, tag: phase, step: 0, shard: 0, count, x: usesData ? x : undefined, y: usesData ? data.labels.subarray(0, count) : undefined };
  shardGradients(replica.replica, task); // warm-up
  const byKernel = new Map<string, number>();
  let total = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const info = await tf.profile(() => {
      shardGradients(replica.replica, task);
    });
    total += performance.now() - t0;
    for (const k of info.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  }
  const sum = [...byKernel.values()].reduce((a, b) => a + b, 0);
  console.log(`${phase}: ${(total / reps).toFixed(0)} ms per shard of ${count} (profiled), kernels ${(sum / reps).toFixed(0)} ms`);
  for (const [k, ms] of [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
    console.log(`  ${k.padEnd(28)} ${(ms / reps).toFixed(1).padStart(8)} ms  ${((100 * ms) / sum).toFixed(0).padStart(3)}%`);
  }
}
