// The classifier's augmentation warp (classifier-train.ts warpInto): angle 0 is an exact integer shift with zero
// fill, a quarter turn is the exact pixel rotation, and small rotations keep the ink's centre and mass; the elastic
// distortion's displacement field (Simard et al. 2003) is keyed, linear in alpha and smooth.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDataset } from '../../src/data/index.js';
import { ELASTIC_SIGMA, elasticField, warpInto } from '../../src/metrics/classifier-train.js';
import { KeyedRandom } from '../../src/rng.js';

test('warpInto: shifts exactly, rotates a quarter turn exactly, small rotations keep the ink', async () => {
  const data = await loadDataset({ source: 'mnist-embedded', split: 'test' });
  const [h, w] = [28, 28];
  const src = data.pixels(123);
  const out = new Float32Array(h * w);
  const px = (y: number, x: number) => (y >= 0 && y < h && x >= 0 && x < w ? src[y * w + x] / 255 : 0);

  warpInto(src, out, h, w, 1, 0, 2, -1); // down 2, left 1
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) assert.equal(out[y * w + x], Math.fround(px(y - 2, x + 1)), `shift at ${y},${x}`);

  warpInto(src, out, h, w, 1, Math.PI / 2, 0, 0);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) assert.ok(Math.abs(out[y * w + x] - px(w - 1 - x, y)) < 1e-6, `quarter turn at ${y},${x}`);

  const moments = (a: ArrayLike<number>) => {
    let [m, my, mx] = [0, 0, 0];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) [m, my, mx] = [m + a[y * w + x], my + y * a[y * w + x], mx + x * a[y * w + x]];
    return { m, cy: my / m, cx: mx / m };
  };
  const before = moments(Float32Array.from(src, (v) => v / 255));
  warpInto(src, out, h, w, 1, (10 * Math.PI) / 180, 0, 0);
  const after = moments(out);
  assert.ok(Math.abs(after.m - before.m) / before.m < 0.02, `ink ${after.m} vs ${before.m}`);
  // The ink's centre turns about the image centre (13.5, 13.5) by the same angle.
  const [a, ry, rx] = [(10 * Math.PI) / 180, before.cy - 13.5, before.cx - 13.5];
  assert.ok(Math.abs(after.cy - (13.5 + Math.cos(a) * ry + Math.sin(a) * rx)) < 0.2, `centre y ${after.cy}`);
  assert.ok(Math.abs(after.cx - (13.5 - Math.sin(a) * ry + Math.cos(a) * rx)) < 0.2, `centre x ${after.cx}`);
});

test('elasticField: keyed, linear in alpha, smooth; a zero field leaves the warp unchanged', async () => {
  const [h, w] = [28, 28];
  const field = (alpha: number) => elasticField(new KeyedRandom(0, 'elastic-test'), h, w, alpha, ELASTIC_SIGMA);
  const [a, b] = [field(8), field(16)];
  assert.deepEqual(Array.from(field(8).dx), Array.from(a.dx), 'same key, same field');
  for (let i = 0; i < h * w; i++) assert.ok(Math.abs(b.dy[i] - 2 * a.dy[i]) < 1e-5 && Math.abs(b.dx[i] - 2 * a.dx[i]) < 1e-5, `linear at ${i}`);
  // Smoothed by a Gaussian of 4 px: neighbours differ far less than the field varies over the image.
  let [step, spread] = [0, 0];
  const mean = a.dx.reduce((s, v) => s + v, 0) / a.dx.length;
  for (let y = 0; y < h; y++) for (let x = 0; x + 1 < w; x++) step = Math.max(step, Math.abs(a.dx[y * w + x + 1] - a.dx[y * w + x]));
  for (const v of a.dx) spread = Math.max(spread, Math.abs(v - mean));
  assert.ok(spread > 0.05 && step < spread / 3, `neighbour step ${step} vs spread ${spread}`);

  const data = await loadDataset({ source: 'mnist-embedded', split: 'test' });
  const [plain, zero] = [new Float32Array(h * w), new Float32Array(h * w)];
  warpInto(data.pixels(7), plain, h, w, 1, 0.1, 1, -1);
  warpInto(data.pixels(7), zero, h, w, 1, 0.1, 1, -1, { dy: new Float32Array(h * w), dx: new Float32Array(h * w) });
  assert.deepEqual(Array.from(zero), Array.from(plain));
});
