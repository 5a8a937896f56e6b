// The truncation trick in w (issue 6): w' = w_avg + psi (w - w_avg) with the EMA of w that G carries as its
// non-trainable weight `w_avg`. psi = 0 draws the same image for every z, psi = 1 is the untruncated sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/index.js';
import { KeyedRandom } from '../../src/rng.js';
import { sampleImages } from '../../src/train/sample.js';
import { styleTruncatedImages } from '../../src/train/style-sample.js';
import { MasterState } from '../../coordinator/master.js';

await initBackend('wasm');

const N = 8;
const tiles = (images: Uint8Array) => Array.from({ length: N }, (_, i) => Buffer.from(images.subarray(i * 784, (i + 1) * 784)).toString('hex'));

test('psi = 0 gives one image for all z, psi = 1 the untruncated samples, psi = 0.7 neither', () => {
  const config = loadConfig(undefined, ['model.family=stylegan', 'model.gChannels=8', 'model.dChannels=4', 'model.wDim=16', 'model.latentDim=16', 'seed=5']);
  const master = MasterState.fresh(config, { height: 28, width: 28, channels: 1 });
  // A trained-looking mean w (it starts at 0): the psi = 0 image is then G's image of that w.
  const g = master.weights.G;
  g.values[g.names.indexOf('G_w_avg/w_avg')].set(new KeyedRandom('w_avg').normal(16));
  const nets = master.models();
  const plain = sampleImages(config, nets, N);
  assert.equal(new Set(tiles(plain)).size, N, 'untruncated samples differ from each other');
  assert.deepEqual(styleTruncatedImages(config, nets, N, 'fixed', 1), plain);
  const zero = tiles(styleTruncatedImages(config, nets, N, 'fixed', 0));
  assert.equal(new Set(zero).size, 1, 'psi = 0: every z gives the image of w_avg');
  assert.ok(!tiles(plain).includes(zero[0]));
  const mid = styleTruncatedImages(config, nets, N, 'fixed', 0.7);
  assert.notDeepEqual(mid, plain);
  assert.ok(tiles(mid).every((t) => t !== zero[0]));
  assert.deepEqual(sampleImages(config, nets, N), plain, 'G is untruncated again afterwards');
  master.dispose();
});
