// DiffAugment: each policy does what it says on real digits, draws are keyed (same key, same result), and every
// policy is differentiable (the gradient reaches the input).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { diffAugment } from '../../src/train/diff-augment.js';
import { KeyedRandom } from '../../src/rng.js';
import { realDigits } from '../losses/fixtures.js';

await initBackend('wasm');

const digits = () => tf.tidy(() => tf.sub(tf.div(tf.tensor4d(realDigits(6), [6, 28, 28, 1], 'float32'), 127.5), 1)) as tf.Tensor4D;

test('translation moves each digit by a whole number of pixels (at most 4), zero-filled', () => {
  const x = digits();
  const y = diffAugment(x, ['translation'], new KeyedRandom(1, 'aug'));
  const xs = x.arraySync();
  const ys = y.arraySync();
  let moved = 0;
  for (let i = 0; i < 6; i++) {
    // Find the shift that reproduces the output.
    let found = false;
    for (let dy = -4; dy <= 4 && !found; dy++) {
      for (let dx = -4; dx <= 4 && !found; dx++) {
        let ok = true;
        for (let r = 0; r < 28 && ok; r++) {
          for (let c = 0; c < 28 && ok; c++) {
            const src = r - dy >= 0 && r - dy < 28 && c - dx >= 0 && c - dx < 28 ? xs[i][r - dy][c - dx][0] : 0;
            ok = Math.abs(ys[i][r][c][0] - src) < 1e-6;
          }
        }
        if (ok) {
          found = true;
          if (dy !== 0 || dx !== 0) moved++;
        }
      }
    }
    assert.ok(found, `digit ${i}: output is no translation of the input`);
  }
  assert.ok(moved >= 3, `only ${moved} of 6 digits moved`);
  tf.dispose([x, y]);
});

test('cutout zeroes one square patch; brightness shifts and contrast scales each image around its mean', () => {
  const x = digits();
  const cut = diffAugment(x, ['cutout'], new KeyedRandom(2, 'aug'));
  const changed = tf.tidy(() => tf.sum(tf.cast(tf.notEqual(cut, x), 'float32'), [1, 2, 3]).arraySync() as number[]);
  const zeros = tf.tidy(() => tf.sum(tf.cast(tf.equal(cut, 0), 'float32'), [1, 2, 3]).arraySync() as number[]);
  changed.forEach((n, i) => assert.ok(n > 0 && zeros[i] >= n && zeros[i] <= 28 * 28, `image ${i}`));
  const bright = diffAugment(x, ['brightness'], new KeyedRandom(3, 'aug'));
  const shift = tf.tidy(() => tf.sub(bright, x).arraySync() as number[][][][]);
  shift.forEach((img) => {
    const d = img[0][0][0];
    assert.ok(d >= -0.5 && d < 0.5 && img.flat(2).every((v) => Math.abs(v - d) < 1e-5));
  });
  const con = diffAugment(x, ['contrast'], new KeyedRandom(4, 'aug'));
  const means = tf.tidy(() => [tf.mean(x, [1, 2, 3]).arraySync(), tf.mean(con, [1, 2, 3]).arraySync()] as number[][]);
  means[0].forEach((m, i) => assert.ok(Math.abs(m - means[1][i]) < 1e-5, 'contrast keeps the mean'));
  tf.dispose([x, cut, bright, con]);
});

test('the same key gives the same augmentation, another key another; every policy passes gradients', () => {
  const x = digits();
  const all = ['translation', 'cutout', 'brightness', 'contrast'] as const;
  const a = diffAugment(x, all, new KeyedRandom(7, 3, 'D0', 1, 'augment-real')).dataSync();
  const b = diffAugment(x, all, new KeyedRandom(7, 3, 'D0', 1, 'augment-real')).dataSync();
  const c = diffAugment(x, all, new KeyedRandom(7, 3, 'D0', 2, 'augment-real')).dataSync();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (const p of all) {
    const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.square(diffAugment(xi as tf.Tensor4D, [p], new KeyedRandom(5, p)))))(x);
    assert.ok(g.dataSync().some((v) => v !== 0), p);
    g.dispose();
  }
  x.dispose();
});
