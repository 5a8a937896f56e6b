// StyleGAN-lite's custom layers through the TF.js LayersModel format: G saved as model.json + weights.bin and
// read back with tf.loadLayersModel keeps every layer's class and config (style index, demodulation, mixing
// probability, EMA decay, noise seed), the mean w, and gives the same bits in inference and in training mode
// (keyed noise and style mixing drawn inside a shard context).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { fileIOHandler } from '../../src/checkpoint/io-handler.js';
import { loadConfig } from '../../src/config/index.js';
import { inShard, ShardContext } from '../../src/models/layers/index.js';
import { KeyedRandom } from '../../src/rng.js';
import { MasterState } from '../../coordinator/master.js';

await initBackend('wasm');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ganymede-stylegan-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const CUSTOM = ['LatentNorm', 'MappingDense', 'MixingLatent', 'StyleMixing', 'WAverage', 'StyleConst', 'ModulatedConv2D', 'NoiseInjection'];

test('G round-trips through tf.loadLayersModel: classes, configs, mean w, inference and training outputs', async () => {
  const config = loadConfig(undefined, ['model.family=stylegan', 'model.gChannels=4', 'model.dChannels=4', 'model.wDim=8', 'model.latentDim=8', 'model.styleMixing=1']);
  const master = MasterState.fresh(config, { height: 28, width: 28, channels: 1 });
  const g = master.weights.G;
  g.values[g.names.indexOf('G_w_avg/w_avg')].set(new KeyedRandom('w_avg').normal(8));
  for (const [i, name] of g.names.entries()) if (name.endsWith('/noise_strength')) g.values[i].fill(0.3);
  const G = master.models().G;
  await G.save(fileIOHandler(path.join(tmp, 'G')));
  const loaded = await tf.loadLayersModel(fileIOHandler(path.join(tmp, 'G')));
  const classes = G.layers.map((l) => l.getClassName());
  assert.ok(CUSTOM.every((c) => classes.includes(c)), `G uses every custom layer (${classes.join(', ')})`);
  assert.deepEqual(loaded.layers.map((l) => l.getClassName()), classes);
  loaded.layers.forEach((l, i) => assert.deepEqual(l.getConfig(), G.layers[i].getConfig(), l.name));
  loaded.weights.forEach((w, i) => assert.deepEqual(w.read().dataSync(), G.weights[i].read().dataSync(), w.originalName));
  const z = tf.tensor2d(new KeyedRandom('z').normal(4 * 8), [4, 8]);
  const ctx = () => new ShardContext([0, 9, 'G', 1]);
  for (const mode of ['inference', 'training']) {
    const run = (m: tf.LayersModel) => (mode === 'training' ? inShard(ctx(), () => m.apply(z) as tf.Tensor) : (m.predict(z) as tf.Tensor));
    assert.deepEqual(run(loaded).dataSync(), run(G).dataSync(), mode);
  }
  // Training mode differs from inference (fresh noise, mixing), so the comparison above covered the keyed draws.
  assert.notDeepEqual(inShard(ctx(), () => G.apply(z) as tf.Tensor).dataSync(), (G.predict(z) as tf.Tensor).dataSync());
  loaded.dispose();
  master.dispose();
});
