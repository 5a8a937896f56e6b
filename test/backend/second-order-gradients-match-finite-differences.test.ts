// Double backprop against finite differences: d/dw ||dD/dx||^2 for every activation and pooling a D uses,
// and for small MLP and conv(+pooling) discriminators built from tf.layers, on cpu and on patched wasm.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend, registerSecondOrderGradients } from '../../src/backend/index.js';
import { finiteDifferenceCheck, squaredInputGradient } from './finite-differences.js';

const TOLERANCE = 2e-2;

const normal = (shape: number[], seed: number, std = 1) => tf.randomNormal(shape, 0, std, 'float32', seed);

type Act = (h: tf.Tensor) => tf.Tensor;

/** D(x) = sum_j c_j act(x W)_j with x [4, 5], W [5, 6]: the penalty's gradient w.r.t. W by both routes. */
function activationCase(act: Act) {
  const w = tf.variable(normal([5, 6], 1, 0.7), true, 'w');
  const c = normal([6, 1], 2);
  const x = normal([4, 5], 3);
  const report = finiteDifferenceCheck([w], () => squaredInputGradient((xi) => tf.matMul(act(tf.matMul(xi, w)), c), x), 10);
  tf.dispose([w, c, x]);
  return report;
}

const ACTIVATIONS: Record<string, Act> = {
  tanh: tf.tanh,
  sigmoid: tf.sigmoid,
  exp: (h) => tf.exp(tf.mul(h, 0.5)),
  softmax: (h) => tf.softmax(h),
  'log-softmax as h - logSumExp(h)': (h) => tf.sub(h, tf.logSumExp(h, -1, true)),
  elu: tf.elu,
  'pow (h^2 via tf.pow)': (h) => tf.pow(h, tf.scalar(2)),
  'leakyRelu 0.2': (h) => tf.leakyRelu(h, 0.2),
  'maximum(h, 0.2h)': (h) => tf.maximum(h, tf.mul(h, 0.2)),
  'prelu': (h) => tf.prelu(h, tf.fill([6], 0.3)),
  'tanh o leakyRelu': (h) => tf.tanh(tf.leakyRelu(h, 0.2)),
  'softplus': tf.softplus,
};

test('stock TF.js gets d/dw of a tanh network\'s input gradient wrong; the registered gradients fix it', async () => {
  await tf.setBackend('cpu');
  const stock = activationCase(tf.tanh); // before registerSecondOrderGradients: nobody has registered yet
  assert.ok(stock.worst > 0.1, `stock tanh second-order error only ${stock.worst}: TF.js changed? re-check the patch`);
  registerSecondOrderGradients();
  const fixed = activationCase(tf.tanh);
  assert.ok(fixed.worst < TOLERANCE, `tanh after the fix: ${fixed.worst}`);
});

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: every activation's second-order gradient matches finite differences`, async () => {
    await initBackend(backend);
    for (const [name, act] of Object.entries(ACTIVATIONS)) {
      const r = activationCase(act);
      assert.ok(r.largest > 1e-3, `${name}: gradients vanish, the check proves nothing`);
      assert.ok(r.worst < TOLERANCE, `${name} on ${backend}: analytic vs finite differences ${r.worst}`);
    }
  });

  test(`${backend}: MLP discriminator (dense, leakyReLU, dense, tanh-free logit) penalty gradient matches finite differences`, async () => {
    await initBackend(backend);
    const D = tf.sequential({
      layers: [
        tf.layers.dense({ units: 16, inputShape: [12], kernelInitializer: tf.initializers.randomNormal({ stddev: 0.4, seed: 4 }), biasInitializer: tf.initializers.randomNormal({ stddev: 0.1, seed: 5 }) }),
        tf.layers.leakyReLU({ alpha: 0.2 }),
        tf.layers.dense({ units: 8, activation: 'tanh', kernelInitializer: tf.initializers.randomNormal({ stddev: 0.4, seed: 6 }) }),
        tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.randomNormal({ stddev: 0.4, seed: 7 }) }),
      ],
    });
    const x = normal([5, 12], 8);
    const vars = D.trainableWeights.map((w) => w.read() as tf.Variable);
    const r = finiteDifferenceCheck(vars, () => squaredInputGradient((xi) => D.apply(xi) as tf.Tensor, x), 6);
    assert.ok(r.checked >= vars.length);
    assert.ok(r.worst < TOLERANCE, `MLP D on ${backend}: ${r.worst}`);
    D.dispose();
    x.dispose();
  });

  // leakyReLU makes ||dD/dx||^2 jump where a unit crosses zero; with hundreds of units a step of 1e-2 crosses
  // some, so this check takes a step of 3e-4 (float32 rounding then costs ~1e-3 relative, inside the tolerance).
  test(`${backend}: conv discriminator with average pooling: penalty gradient matches finite differences`, async () => {
    await initBackend(backend);
    const init = (seed: number) => tf.initializers.randomNormal({ stddev: 0.3, seed });
    const D = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', inputShape: [8, 8, 1], kernelInitializer: init(10), biasInitializer: init(11) }),
        tf.layers.leakyReLU({ alpha: 0.2 }),
        tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }),
        tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 1, padding: 'same', kernelInitializer: init(12) }),
        tf.layers.activation({ activation: 'elu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 1, kernelInitializer: init(13) }),
      ],
    });
    const x = normal([2, 8, 8, 1], 14);
    const vars = D.trainableWeights.map((w) => w.read() as tf.Variable);
    const r = finiteDifferenceCheck(vars, () => squaredInputGradient((xi) => D.apply(xi) as tf.Tensor, x), 6, 3e-4);
    assert.ok(r.largest > 1e-3);
    assert.ok(r.worst < TOLERANCE, `conv D on ${backend}: ${r.worst}`);
    D.dispose();
    x.dispose();
  });
}

// Max pooling's second derivative jumps where a window's argmax switches, so finite differences need few
// windows and a small step to stay on one piece: one image, 2x2 windows over a 4x4 map.
for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: conv + max pooling penalty gradient matches finite differences`, async () => {
    await initBackend(backend);
    const w = tf.variable(normal([3, 3, 1, 2], 20, 0.5), true, 'wmax');
    const c = normal([1, 2, 2, 2], 21);
    const x = normal([1, 4, 4, 1], 22);
    const D = (xi: tf.Tensor) => tf.mul(tf.maxPool(tf.tanh(tf.conv2d(xi as tf.Tensor4D, w as tf.Variable<tf.Rank.R4>, 1, 'same')), 2, 2, 'valid'), c);
    const r = finiteDifferenceCheck([w], () => squaredInputGradient(D, x), 18, 1e-3);
    assert.ok(r.largest > 1e-2);
    assert.ok(r.worst < TOLERANCE, `maxPool on ${backend}: ${r.worst}`);
    tf.dispose([w, c, x]);
  });
}

// Batch norm with batch statistics (tf.moments + tf.batchNorm, as a BN layer in training) and dot-product
// self-attention (softmax(Q K^T / sqrt(d)) V over a sample's positions), the other D layers of issue 5.
for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: batch norm and self-attention penalty gradients match finite differences`, async () => {
    await initBackend(backend);
    const w1 = tf.variable(normal([6, 8], 30, 0.5), true, 'bn_w1');
    const gamma = tf.variable(tf.add(1, normal([8], 31, 0.1)), true, 'bn_gamma');
    const beta = tf.variable(normal([8], 32, 0.1), true, 'bn_beta');
    const wq = tf.variable(normal([8, 8], 33, 0.4), true, 'att_q');
    const wk = tf.variable(normal([8, 8], 34, 0.4), true, 'att_k');
    const c = normal([8, 1], 35);
    const x = normal([5, 6], 36);
    const D = (xi: tf.Tensor) => {
      const h = tf.matMul(xi, w1); // [5, 8]
      const { mean, variance } = tf.moments(h, 0);
      const bn = tf.tanh(tf.batchNorm(h, mean, variance, beta, gamma, 1e-5));
      // Attention over the 8 features of each sample, as 8 positions of width 1 scaled by q/k projections.
      const q = tf.reshape(tf.matMul(bn, wq), [5, 8, 1]);
      const k = tf.reshape(tf.matMul(bn, wk), [5, 8, 1]);
      const att = tf.softmax(tf.matMul(q, k, false, true)); // [5, 8, 8]
      const out = tf.reshape(tf.matMul(att, tf.reshape(bn, [5, 8, 1])), [5, 8]);
      return tf.matMul(out, c); // [5, 1]
    };
    const r = finiteDifferenceCheck([w1, gamma, beta, wq, wk], () => squaredInputGradient(D, x), 6, 1e-3);
    assert.ok(r.largest > 1e-3);
    assert.ok(r.worst < TOLERANCE, `BN + attention on ${backend}: ${r.worst}`);
    tf.dispose([w1, gamma, beta, wq, wk, c, x]);
  });
}
