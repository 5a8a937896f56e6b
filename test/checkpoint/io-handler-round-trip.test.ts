// fileIOHandler: a LayersModel saved to model.json + weights.bin loads back with tf.loadLayersModel, bit for bit.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { CheckpointError } from '../../src/errors.js';
import { fileIOHandler } from '../../src/checkpoint/index.js';
import { buildMlp, predictBytes, tmpDir, useCpu, weightBytes } from './fixtures.js';

before(useCpu);

test('a saved Sequential model loads back with identical weights and predictions', async () => {
  const dir = path.join(tmpDir(), 'G');
  const model = buildMlp('G', 1);
  await model.save(fileIOHandler(dir));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['model.json', 'weights.bin']);

  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  assert.equal(json.format, 'layers-model');
  assert.deepEqual(json.weightsManifest[0]?.paths, ['weights.bin']); // relative: loads over http too
  assert.deepEqual(
    json.weightsManifest[0]?.weights.map((w) => w.name),
    ['G_dense1/kernel', 'G_dense1/bias', 'G_out/kernel', 'G_out/bias'],
  );
  assert.equal(fs.statSync(path.join(dir, 'weights.bin')).size, (4 * 8 + 8 + 8 * 3 + 3) * 4); // nothing but the numbers

  const loaded = await tf.loadLayersModel(fileIOHandler(dir));
  assert.deepEqual(await weightBytes(loaded), await weightBytes(model));
  assert.deepEqual(predictBytes(loaded), predictBytes(model));
  loaded.dispose();
  model.dispose();
});

test('a functional model with a named input round-trips too', async () => {
  const dir = tmpDir();
  const x = tf.input({ shape: [3], name: 'D_x' });
  const h = tf.layers.dense({ name: 'D_h', units: 5, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(x);
  const y = tf.layers.dense({ name: 'D_y', units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }).apply(h);
  const model = tf.model({ name: 'D', inputs: x, outputs: y as tf.SymbolicTensor });
  await model.save(fileIOHandler(dir));
  const loaded = await tf.loadLayersModel(fileIOHandler(dir));
  assert.deepEqual(await weightBytes(loaded), await weightBytes(model));
  assert.deepEqual(predictBytes(loaded, 3), predictBytes(model, 3));
  loaded.dispose();
  model.dispose();
});

test('two separately built equal models give byte-identical files', async () => {
  const [a, b] = [tmpDir(), tmpDir()];
  const [m1, m2] = [buildMlp('G', 1), buildMlp('G', 1)];
  await m1.save(fileIOHandler(a));
  await m2.save(fileIOHandler(b));
  for (const f of ['model.json', 'weights.bin']) {
    assert.ok(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))), `${f} differs`);
  }
  m1.dispose();
  m2.dispose();
});

test('a truncated weights.bin is a CheckpointError naming the file', async () => {
  const dir = tmpDir();
  const model = buildMlp('G', 1);
  await model.save(fileIOHandler(dir));
  model.dispose();
  fs.truncateSync(path.join(dir, 'weights.bin'), 100);
  await assert.rejects(tf.loadLayersModel(fileIOHandler(dir)), (err: unknown) => {
    assert.ok(err instanceof CheckpointError);
    assert.match(err.message, /weights\.bin: truncated: 100 of 268 bytes/);
    return true;
  });
});

test('a weight path leaving the model folder is refused', async () => {
  const dir = tmpDir();
  const model = buildMlp('G', 1);
  await model.save(fileIOHandler(dir));
  model.dispose();
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as tf.io.ModelJSON;
  json.weightsManifest[0]!.paths = ['../secret.bin'];
  fs.writeFileSync(file, JSON.stringify(json));
  await assert.rejects(tf.loadLayersModel(fileIOHandler(dir)), (err: unknown) => err instanceof CheckpointError && /leaves the model folder/.test(err.message));
});

test('the saved folder loads over http, as a browser would load it', async () => {
  const dir = tmpDir();
  const model = buildMlp('G', 1);
  await model.save(fileIOHandler(path.join(dir, 'G')));
  // A static file server over the folder: tf.io.http resolves 'weights.bin' relative to model.json's URL.
  const server = http.createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(dir) || !fs.existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const loaded = await tf.loadLayersModel(`http://127.0.0.1:${port}/G/model.json`);
    assert.deepEqual(await weightBytes(loaded), await weightBytes(model));
    loaded.dispose();
  } finally {
    server.closeAllConnections();
    server.close();
    model.dispose();
  }
});
