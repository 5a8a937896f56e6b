// The StyleGAN-lite layers against hand-computed values (issue 6's acceptance: mapping network, modulation,
// noise inputs), plus style mixing and the EMA of w. Numbers in comments are worked out by hand; the 3x3 case is
// checked against an independent float64 loop over the paper's equations 1-3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/index.js';
import { modelFamily } from '../../src/models/index.js';
import { inShard, ShardContext } from '../../src/models/layers/index.js';
import { ModulatedConv2D, NoiseInjection } from '../../src/models/layers/style-conv.js';
import { StyleMixing, WAverage } from '../../src/models/layers/style-mapping.js';
import { KeyedRandom } from '../../src/rng.js';

await initBackend('wasm');

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5, what = ''): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

test('mapping network: z [3, 4] through LatentNorm and two dense + LReLU(0.2) layers with lr multiplier 0.5', () => {
  const config = loadConfig(undefined, ['model.family=stylegan', 'model.latentDim=2', 'model.wDim=2', 'model.mappingLayers=2', 'model.gChannels=2', 'model.mappingLrMul=0.5']);
  const { G, D } = modelFamily('stylegan').build(config.model, { height: 28, width: 28, channels: 1 });
  // Stored weights are the used ones divided by the gain lrMul sqrt(2 / In) = 0.5 (kernel) and lrMul = 0.5 (bias):
  // used layer 0 W = [[1, -1], [0.5, 2]], b = [0.1, -3]; layer 1 W = 2 I, b = 0.
  G.getLayer('G_map0').setWeights([tf.tensor2d([[2, -2], [1, 4]]), tf.tensor1d([0.2, -6])]);
  G.getLayer('G_map1').setWeights([tf.tensor2d([[4, 0], [0, 4]]), tf.tensor1d([0, 0])]);
  const mapping = tf.model({ inputs: G.inputs, outputs: G.getLayer('G_w_avg').output as tf.SymbolicTensor });
  const w = mapping.predict(tf.tensor2d([[3, 4]])) as tf.Tensor;
  // |z|^2 / 2 = 12.5: z_n = [3, 4] / sqrt(12.5) = [0.848528, 1.131371]
  // layer 0: [0.848528 + 0.565685 + 0.1, -0.848528 + 2.262742 - 3] = [1.514214, -1.585786] -> LReLU [1.514214, -0.317157]
  // layer 1: 2x -> [3.028427, -0.634315] -> LReLU [3.028427, -0.126863]
  close(w.dataSync(), [3.0284271, -0.1268629], 1e-5, 'w');
  tf.dispose(w);
  G.dispose();
  D.dispose();
});

/** A layer applied once to build it, then given these weights. */
function modConv(demodulate: boolean, kernelSize: number, filters: number, x: tf.Tensor, ws: tf.Tensor, weights: tf.Tensor[], styleIndex = 0): ModulatedConv2D {
  const layer = new ModulatedConv2D({ filters, kernelSize, styleIndex, demodulate });
  tf.dispose(layer.apply([x, ws]) as tf.Tensor);
  layer.setWeights(weights);
  return layer;
}

test('modulation and demodulation: a 1x1 case by hand', () => {
  const x = tf.tensor4d([1, 2], [1, 1, 1, 2]); // one pixel, Cin = 2
  const ws = tf.tensor3d([1, 0], [1, 1, 2]); // w = [1, 0]
  // style s = w A + b = [1, 0] I + [1, 1] = [2, 1]; kernel [3, 4] -> modulated [6, 4]
  const weights = () => [tf.tensor2d([[1, 0], [0, 1]]), tf.tensor1d([1, 1]), tf.tensor4d([3, 4], [1, 1, 2, 1]), tf.tensor1d([0.5])];
  const demod = modConv(true, 1, 1, x, ws, weights());
  // conv: 1*6 + 2*4 = 14; demodulated by 1/sqrt(6^2 + 4^2) = 1/sqrt(52): 1.941451; + bias 0.5
  close((demod.apply([x, ws]) as tf.Tensor).dataSync(), [14 / Math.sqrt(52) + 0.5], 1e-5, 'demodulated');
  const plain = modConv(false, 1, 1, x, ws, weights());
  close((plain.apply([x, ws]) as tf.Tensor).dataSync(), [14.5], 1e-5, 'modulated only');
  // Demodulation undoes a uniform scale of the style: A and b times 3 give s = [6, 3] and the same output.
  demod.setWeights([tf.tensor2d([[3, 0], [0, 3]]), tf.tensor1d([3, 3]), tf.tensor4d([3, 4], [1, 1, 2, 1]), tf.tensor1d([0.5])]);
  close((demod.apply([x, ws]) as tf.Tensor).dataSync(), [14 / Math.sqrt(52) + 0.5], 1e-5, 'scaled style');
});

test('modulated 3x3 conv with per-sample styles equals a float64 loop over eq. 1-3 (same padding)', () => {
  const [B, H, W, CI, CO, WD, L] = [2, 3, 3, 2, 3, 2, 2];
  const r = new KeyedRandom('modconv-test');
  const xv = r.normal(B * H * W * CI);
  const wsv = r.normal(B * L * WD);
  const A = r.normal(WD * CI);
  const bA = r.normal(CI).map((v) => 1 + 0.1 * v);
  const K = r.normal(9 * CI * CO);
  const bias = r.normal(CO);
  const x = tf.tensor4d(xv, [B, H, W, CI]);
  const ws = tf.tensor3d(wsv, [B, L, WD]);
  const layer = modConv(true, 3, CO, x, ws, [tf.tensor2d(A, [WD, CI]), tf.tensor1d(bA), tf.tensor4d(K, [3, 3, CI, CO]), tf.tensor1d(bias)], 1);
  const got = (layer.apply([x, ws]) as tf.Tensor).dataSync();
  const want: number[] = [];
  for (let b = 0; b < B; b++) {
    const s = Array.from({ length: CI }, (_, i) => bA[i] + Array.from({ length: WD }, (_, k) => wsv[(b * L + 1) * WD + k] * A[k * CI + i]).reduce((p, q) => p + q, 0));
    const wmod = (kh: number, kw: number, i: number, j: number) => K[((kh * 3 + kw) * CI + i) * CO + j] * s[i]; // eq. 1
    const d = Array.from({ length: CO }, (_, j) => { // eq. 3
      let e = 0;
      for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) for (let i = 0; i < CI; i++) e += wmod(kh, kw, i, j) ** 2;
      return 1 / Math.sqrt(e + 1e-8);
    });
    for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let j = 0; j < CO; j++) {
      let acc = 0;
      for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) {
        const [hh, ww] = [h + kh - 1, w + kw - 1];
        if (hh < 0 || hh >= H || ww < 0 || ww >= W) continue;
        for (let i = 0; i < CI; i++) acc += xv[((b * H + hh) * W + ww) * CI + i] * wmod(kh, kw, i, j) * d[j];
      }
      want.push(acc + bias[j]);
    }
  }
  close(got, want, 1e-4, 'modconv');
});

test('noise inputs: strength_c * n, n keyed by (seed, step, round, shard, layer, call); a fixed map outside training', () => {
  const layer = new NoiseInjection({ name: 'G_b1_l0_noise', seed: 7 });
  const x = tf.zeros([2, 2, 2, 2]);
  tf.dispose(layer.apply(x) as tf.Tensor);
  layer.setWeights([tf.tensor1d([0.5, -1])]);
  const ctx = new ShardContext([1, 5, 'G', 3]);
  const [first, second] = inShard(ctx, () => [layer.apply(x) as tf.Tensor, layer.apply(x) as tf.Tensor]);
  const expect = (n: Float32Array) => Array.from(n).flatMap((v) => [0.5 * v, -v]); // channels last
  close(first.dataSync(), expect(new KeyedRandom(1, 5, 'G', 3, 'G_b1_l0_noise', 0).normal(8)), 1e-6, 'call 0');
  close(second.dataSync(), expect(new KeyedRandom(1, 5, 'G', 3, 'G_b1_l0_noise', 1).normal(8)), 1e-6, 'call 1');
  const other = inShard(new ShardContext([1, 5, 'G', 4]), () => layer.apply(x) as tf.Tensor);
  assert.notDeepEqual(other.dataSync(), first.dataSync(), 'another shard draws other noise');
  const fixed = new KeyedRandom(7, 'noise-const', 'G_b1_l0_noise').normal(4);
  close((layer.apply(x) as tf.Tensor).dataSync(), [...expect(fixed), ...expect(fixed)], 1e-6, 'outside training: one map for every sample');
});

test('style mixing: layers below the keyed crossover take w1, the rest w2; off outside training', () => {
  const mixing = new StyleMixing({ name: 'G_mixing', numWs: 4, prob: 1 });
  const w1 = tf.ones([3, 2]);
  const w2 = tf.fill([3, 2], 2);
  const ctx = new ShardContext([0, 2, 'D0', 1]);
  const ws = inShard(ctx, () => mixing.apply([w1, w2]) as tf.Tensor);
  const rng = new KeyedRandom(0, 2, 'D0', 1, 'G_mixing', 0);
  const want = [0, 1, 2].flatMap(() => {
    assert.ok(rng.uniform() < 1);
    const cut = rng.int(1, 3);
    return [0, 1, 2, 3].flatMap((l) => (l < cut ? [1, 1] : [2, 2]));
  });
  assert.deepEqual(Array.from(ws.dataSync()), want);
  assert.ok(want.includes(1) && want.includes(2));
  assert.deepEqual(Array.from((mixing.apply([w1, w2]) as tf.Tensor).dataSync()), new Array(24).fill(1));
  const never = new StyleMixing({ name: 'G_mixing', numWs: 4, prob: 0 });
  assert.deepEqual(Array.from(inShard(ctx, () => never.apply([w1, w2]) as tf.Tensor).dataSync()), new Array(24).fill(1));
});

test('mean w: the shard records the batch mean, the coordinator merges it as an EMA, psi truncates around it', () => {
  const avg = new WAverage({ name: 'G_w_avg', beta: 0.5 });
  const w = tf.tensor2d([[1, 2], [3, -6]]);
  const ctx = new ShardContext([0, 1, 'G', 0]);
  close((inShard(ctx, () => avg.apply(w) as tf.Tensor)).dataSync(), [1, 2, 3, -6], 0, 'identity in training');
  const batch = ctx.mean(avg.weights[0]) as Float32Array;
  close(batch, [2, -2], 0, 'batch mean');
  const old = new Float32Array([0, 1]);
  avg.mergeState('w_avg', old, batch);
  close(old, [1, -0.5], 0, 'EMA: 2 + 0.5 (0 - 2), -2 + 0.5 (1 + 2)');
  avg.setWeights([tf.tensor1d(old)]);
  avg.psi = 0.5;
  // w_avg + 0.5 (w - w_avg): [1 + 0.5 * 0, -0.5 + 0.5 * 2.5], [1 + 0.5 * 2, -0.5 + 0.5 * -5.5]
  close((avg.apply(w) as tf.Tensor).dataSync(), [1, 0.75, 2, -3.25], 1e-6, 'truncated');
});
