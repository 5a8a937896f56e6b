// Benchmark: matMul 64x1024 @ 1024x1024 on wasm, stock vs patched kernels, all four transpose combinations.
// Run: node --import tsx bench/matmul.ts [--json out.json]. Prints a table of GFLOPS (median of runs).
//
// "same" reuses one B tensor (XNNPACK caches its packed weights by tensor id); "fresh" uses a new B per call,
// as in training, where every optimizer step makes new weight tensors.
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { applyWasmPatches, initBackend, removeWasmPatches } from '../src/backend/index.js';
import { planMatMul } from '../src/backend/matmul-patch.js';

const M = 64;
const K = 1024;
const N = 1024;
const RUNS = 7;
const FLOPS = 2 * M * K * N;

/** Median milliseconds of one matMul; `fresh` gives each run its own copy of B, made outside the timing. */
function time(a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean, transposeB: boolean, fresh: boolean): number {
  const bs = fresh ? Array.from({ length: RUNS + 1 }, () => b.clone().add(0) as tf.Tensor2D) : [b];
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const bi = bs[fresh ? i : 0];
    const start = performance.now();
    const c = tf.matMul(a, bi, transposeA, transposeB); // wasm kernels are synchronous: no readback needed
    if (i > 0) times.push(performance.now() - start); // run 0 warms up
    c.dispose();
  }
  if (fresh) bs.forEach((t) => t.dispose());
  return times.sort((x, y) => x - y)[Math.floor(times.length / 2)];
}

const gflops = (ms: number): number => Math.round((FLOPS / ms / 1e6) * 10) / 10;

async function main(): Promise<void> {
  await initBackend('wasm', { patches: false });
  const rows: Record<string, string | number>[] = [];
  for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const a = tf.randomNormal(transposeA ? [K, M] : [M, K], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal(transposeB ? [N, K] : [K, N], 0, 1, 'float32', 2) as tf.Tensor2D;
    const row: Record<string, string | number> = { case: `${transposeA ? 'T' : 'N'}${transposeB ? 'T' : 'N'}` };
    for (const fresh of [false, true]) {
      removeWasmPatches();
      row[`stock ${fresh ? 'fresh' : 'same'}`] = gflops(time(a, b, transposeA, transposeB, fresh));
      applyWasmPatches();
      row[`patched ${fresh ? 'fresh' : 'same'}`] = gflops(time(a, b, transposeA, transposeB, fresh));
    }
    row.plan = transposeA || transposeB ? planMatMul(a.shape, b.shape, transposeA, transposeB) : 'stock';
    rows.push(row);
    tf.dispose([a, b]);
  }
  console.log(`matMul ${M}x${K} @ ${K}x${N} on wasm, GFLOPS (median of ${RUNS})`);
  console.table(rows);
  const jsonAt = process.argv.indexOf('--json');
  if (jsonAt > 0 && process.argv[jsonAt + 1] !== undefined) {
    writeFileSync(process.argv[jsonAt + 1], JSON.stringify({ m: M, k: K, n: N, runs: RUNS, rows }, null, 2) + '\n');
  }
}

await main();
