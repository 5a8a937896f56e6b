// WGAN-GP and R1 against finite differences, twice over: the penalty's value against input gradients estimated by
// finite differences, and the penalty's gradient w.r.t. D's weights (double backprop) against finite differences
// of the whole D round loss, on the MLP discriminator of a replica and on a conv + pooling discriminator.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { gradientPenaltySum, r1PenaltySum } from '../../src/losses/index.js';
import { phaseVariables, shardLoss } from '../../src/train/shard-gradients.js';
import { finiteDifferenceCheck } from '../backend/finite-differences.js';
import { replicaFor, task } from './fixtures.js';

await initBackend('wasm');

/** Per-sample ||dD/dx||_2 by central differences on every input coordinate (D scores samples independently). */
function fdInputGradientNorms(D: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor2D, h = 1e-2): number[] {
  const [b, n] = x.shape;
  const base = x.dataSync();
  const sq = new Float64Array(b);
  for (let j = 0; j < n; j++) {
    const shifted = (delta: number) =>
      tf.tidy(() => {
        const data = Float32Array.from(base);
        for (let i = 0; i < b; i++) data[i * n + j] += delta;
        return D(tf.tensor2d(data, [b, n])).dataSync();
      });
    const [plus, minus] = [shifted(h), shifted(-h)];
    for (let i = 0; i < b; i++) sq[i] += ((plus[i] - minus[i]) / (2 * h)) ** 2;
  }
  return Array.from(sq, Math.sqrt);
}

const realImages = (count: number) => tf.tidy(() => tf.sub(tf.div(tf.tensor2d(task('D', 'D0', 0, count).x!, [count, 784], 'float32'), 127.5), 1)) as tf.Tensor2D;

test('the WGAN-GP and R1 values equal penalties of finite-difference input gradients', () => {
  const r = replicaFor();
  const D = (x: tf.Tensor) => r.replica.nets.D.apply(x) as tf.Tensor;
  const real = realImages(3);
  const fake = tf.randomUniform([3, 784], -1, 1, 'float32', 5) as tf.Tensor2D;
  const eps = tf.tensor1d([0.1, 0.5, 0.93]);
  const interpolates = tf.tidy(() => tf.add(tf.mul(tf.reshape(eps, [3, 1]), real), tf.mul(tf.reshape(tf.sub(1, eps), [3, 1]), fake))) as tf.Tensor2D;
  const gpExpected = fdInputGradientNorms(D, interpolates).reduce((s, g) => s + (g - 1) ** 2, 0);
  const r1Expected = fdInputGradientNorms(D, real).reduce((s, g) => s + g * g, 0);
  const gp = gradientPenaltySum(D, real, fake, eps).dataSync()[0];
  const r1 = r1PenaltySum(D, real).dataSync()[0];
  assert.ok(gpExpected > 0.1 && r1Expected > 1e-3, `degenerate case: gp ${gpExpected}, r1 ${r1Expected}`);
  assert.ok(Math.abs(gp - gpExpected) / gpExpected < 1e-2, `gp ${gp} vs finite differences ${gpExpected}`);
  assert.ok(Math.abs(r1 - r1Expected) / r1Expected < 1e-2, `r1 ${r1} vs finite differences ${r1Expected}`);
  tf.dispose([real, fake, eps, interpolates]);
  r.dispose();
});

const ROUNDS: { name: string; sets: string[]; tag: string }[] = [
  { name: 'WGAN-GP (wasserstein + gp 10)', sets: ['loss=wasserstein', 'gan.gp=10'], tag: 'D0' },
  { name: 'R1 inline (bce-ns + r1 gamma 10)', sets: ['gan.r1.gamma=10'], tag: 'D0' },
  { name: 'lazy R1 round (gamma 10 every 4)', sets: ['gan.r1.gamma=10', 'gan.r1.every=4'], tag: 'Dreg' },
  { name: 'hinge + gp + DiffAugment', sets: ['loss=hinge', 'gan.gp=1', 'gan.diffAugment=[translation, brightness, contrast, cutout]'], tag: 'D0' },
];

for (const c of ROUNDS) {
  test(`${c.name}: the D round's gradient w.r.t. every D weight equals finite differences`, () => {
    const r = replicaFor(c.sets);
    const t = task('D', c.tag, 1, 4);
    const rep = finiteDifferenceCheck(phaseVariables(r.replica, 'D'), () => shardLoss(r.replica, t), 6, 1e-3, { skipKinks: true });
    assert.ok(rep.largest > 1e-3, `gradients vanish (${rep.largest})`);
    assert.ok(rep.skipped <= rep.checked / 4, `${rep.skipped} coordinates near kinks, ${rep.checked} compared`);
    assert.ok(rep.worst < 2e-2, `${c.name}: analytic vs finite differences ${rep.worst}`);
    r.dispose();
  });
}

test('conv + average-pooling D: the WGAN-GP and R1 gradients w.r.t. its weights equal finite differences', () => {
  const init = (seed: number) => tf.initializers.randomNormal({ stddev: 0.3, seed });
  const net = tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', inputShape: [8, 8, 1], kernelInitializer: init(1), biasInitializer: init(2) }),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 1, kernelInitializer: init(3) }),
    ],
  });
  const D = (x: tf.Tensor) => net.apply(x) as tf.Tensor;
  const real = tf.randomUniform([2, 8, 8, 1], -1, 1, 'float32', 4);
  const fake = tf.randomUniform([2, 8, 8, 1], -1, 1, 'float32', 5);
  const eps = tf.tensor1d([0.3, 0.8]);
  const vars = net.trainableWeights.map((w) => w.read() as tf.Variable);
  for (const [name, f] of [['gp', () => gradientPenaltySum(D, real, fake, eps)], ['r1', () => r1PenaltySum(D, real)]] as const) {
    const rep = finiteDifferenceCheck(vars, f, 6, 3e-4);
    assert.ok(rep.largest > 1e-3, `${name}: gradients vanish`);
    assert.ok(rep.worst < 2e-2, `${name} on the conv D: ${rep.worst}`);
  }
  tf.dispose([real, fake, eps]);
  net.dispose();
});
