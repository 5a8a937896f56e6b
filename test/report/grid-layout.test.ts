// Grid layout: tile positions, gaps and scaling in the PNG, value mapping of [-1,1] and [0,1] data, and the
// latent-walk / reconstruction / manifold grids built on them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { resolveConfig } from '../../src/config/index.js';
import { ArrayDataset } from '../../src/data/dataset.js';
import { modelFamily } from '../../src/models/index.js';
import { gridPng, tileOrigin, toUint8 } from '../../src/report/grid.js';
import { decodeLatents, extraGrids, slerp } from '../../src/report/sample-grids.js';
import { classOnlyG } from './fixtures.js';

test('value ranges map to 0..255: [-1,1] (tanh) and [0,1] (sigmoid, data), rounded and clipped', () => {
  assert.deepEqual([...toUint8([-1, 0, 1, -2, 2, 0.5], '[-1,1]')], [0, 128, 255, 0, 255, 191]);
  assert.deepEqual([...toUint8([0, 0.5, 1, -0.1, 1.1, 1 / 255], '[0,1]')], [0, 128, 255, 0, 255, 1]);
});

test('tile k sits at gap + (row, col) * (tile + gap)', () => {
  assert.deepEqual(tileOrigin(0, 8, 56, 56, 2), { top: 2, left: 2 });
  assert.deepEqual(tileOrigin(9, 8, 56, 56, 2), { top: 60, left: 60 });
  assert.deepEqual(tileOrigin(7, 8, 10, 20, 1), { top: 1, left: 1 + 7 * 21 });
});

test('gridPng places each image at its tile, scaled, with the frame around', () => {
  const h = 2, w = 3;
  const images = new Uint8Array(3 * h * w);
  images.fill(10, 0, 6); // image 0: all 10
  images.fill(20, 6, 12); // image 1
  images.set([1, 2, 3, 4, 5, 6], 12); // image 2: distinct pixels
  const png = PNG.sync.read(gridPng(images, h, w, { rows: 2, cols: 2, gap: 1, scale: 2 }));
  assert.equal(png.width, 2 * (6 + 1) + 1);
  assert.equal(png.height, 2 * (4 + 1) + 1);
  const at = (x: number, y: number) => png.data[(y * png.width + x) * 4]; // pngjs reads back RGBA
  assert.equal(at(0, 0), 48); // frame
  assert.equal(at(1, 1), 10); // image 0, top-left
  assert.equal(at(8, 1), 20); // image 1 starts at left = 1 + 7
  assert.equal(at(7, 1), 48); // gap between tiles
  // image 2 at (top 6, left 1); pixel (y=1, x=2) = 6 covers rows 8..9, cols 5..6
  assert.equal(at(1, 6), 1);
  assert.equal(at(5, 8), 6);
  assert.equal(at(6, 9), 6);
  assert.equal(at(8, 6), 48); // missing 4th tile stays frame-coloured
});

test('slerp ends at its endpoints and keeps the norm of equal-norm vectors', () => {
  const a = Float32Array.from([1, 0]);
  const b = Float32Array.from([0, 1]);
  assert.deepEqual([...slerp(a, b, 0)], [1, 0]);
  const mid = slerp(a, b, 0.5);
  assert.ok(Math.abs(Math.hypot(mid[0], mid[1]) - 1) < 1e-6);
  assert.ok(Math.abs(slerp(a, b, 1)[1] - 1) < 1e-6);
});

test('walk, reconstruction and manifold grids of a VAE with a 2-D latent have their documented shapes', async () => {
  await tf.setBackend('cpu');
  const config = resolveConfig({ name: 'vae2', model: { family: 'mlp-vae', latentDim: 2, hidden: [16] }, loss: 'elbo', optimizer: { VAE: {} } }, 'test');
  const nets = modelFamily('mlp-vae').build(config.model, { height: 28, width: 28, channels: 1 });
  const pixels = new Uint8Array(40 * 784).map((_, i) => (i * 7) & 255);
  const data = new ArrayDataset({ name: 't', split: 'test', height: 28, width: 28, channels: 1, classes: 10, images: pixels, labels: new Uint8Array(40) });
  const before = tf.memory().numTensors;
  const grids = extraGrids(config, nets, data);
  assert.equal(tf.memory().numTensors, before);
  const size = (b: Buffer) => { const p = PNG.sync.read(b); return [p.width, p.height]; };
  assert.deepEqual(size(grids.walk), [10 * 58 + 2, 8 * 58 + 2]);
  assert.deepEqual(size(grids.recon), [8 * 58 + 2, 8 * 58 + 2]); // 32 pairs, 8 tiles a row
  assert.deepEqual(size(grids.manifold), [16 * 28, 16 * 28]);
  // The first reconstruction tile is the input itself.
  const recon = PNG.sync.read(grids.recon);
  assert.equal(recon.data[(2 * recon.width + 2) * 4], pixels[0]);
  for (const net of Object.values(nets)) net.dispose();
});

test('a class-conditional G (inputs z and one-hot y) gets one row per class; the label reaches G', async () => {
  await tf.setBackend('cpu');
  const config = resolveConfig({ name: 'cgan', model: { latentDim: 4 } }, 'test');
  const G = classOnlyG(4, 3);
  const images = decodeLatents(config, { G }, new Float32Array(5 * 4), 5); // labels i mod 3: 0 1 2 0 1
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => images[i * 784]), [0, 128, 255, 0, 128]); // classes 0 1 2 0 1: -1, 0, 1
  const grids = extraGrids(config, { G });
  const png = PNG.sync.read(grids.classes);
  assert.deepEqual([png.width, png.height], [10 * 58 + 2, 3 * 58 + 2]);
  const row = (r: number) => png.data[((2 + r * 58) * png.width + 2) * 4]; // first pixel of row r's first tile
  assert.deepEqual([row(0), row(1), row(2)], [0, 128, 255]);
  G.dispose();
});
