// Config `freeze` (issue 11, FreezeD): the blocks of each family, bad names as ConfigErrors naming the key, and one
// round through a worker replica, the GRADS encoding and the master: frozen weights get no gradient, no wire bytes,
// no Adam state, and stay byte-identical, BatchNorm running statistics of a frozen layer included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../src/backend/index.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/checkpoint/index.js';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { modelFamily } from '../../src/models/index.js';
import { decode, encode, type WireTensor } from '../../src/protocol/index.js';
import { checkFreeze, layerBlocks } from '../../src/train/freeze.js';
import { MasterState } from '../../coordinator/master.js';
import { ModelReplica } from '../../worker/replica.js';

await initBackend('wasm');
const image = { height: 28, width: 28, channels: 1 };

function blockKeys(sets: string[]): Record<string, string[]> {
  const config = loadConfig(undefined, sets);
  const nets = modelFamily(config.model.family).build(config.model, image);
  const keys = Object.fromEntries(Object.entries(nets).map(([n, m]) => [n, layerBlocks(m).map((b) => `${b.key}:${b.layers.length}`)]));
  Object.values(nets).forEach((m) => m.dispose());
  return keys;
}

test('blocks: dense layers of the MLPs, conv + its BatchNorm in DCGAN, residual blocks in the ResNet GAN', () => {
  assert.deepEqual(blockKeys(['model.gHidden=[8, 8]', 'model.dHidden=[8, 8, 8]']), {
    G: ['G_fc0:1', 'G_fc1:1', 'G_out:1'], D: ['D_fc0:1', 'D_fc1:1', 'D_fc2:1', 'D_out:1'],
  });
  assert.deepEqual(blockKeys(['model.family=dcgan', 'model.gChannels=4', 'model.dChannels=4']), {
    G: ['G_fc:2', 'G_up1:2', 'G_up2:1'], D: ['D_conv1:1', 'D_conv2:2', 'D_out:1'],
  });
  const resnet = blockKeys(['model.family=resnet-gan', 'model.gChannels=4', 'model.dChannels=4', 'loss=hinge']);
  assert.deepEqual(resnet.D.map((k) => k.split(':')[0]), ['D_block1', 'D_block2', 'D_block3', 'D_out']);
  assert.deepEqual(resnet.G.map((k) => k.split(':')[0]), ['G_fc', 'G_block1', 'G_block2', 'G_bn_out', 'G_conv_out']);
});

test('bad freeze specs are ConfigErrors naming the key: unknown layer, network, too many blocks, everything', () => {
  const check = (sets: string[]) => checkFreeze(loadConfig(undefined, ['model.gHidden=[8]', 'model.dHidden=[8, 8]', ...sets]), image, 'r.yaml');
  assert.throws(() => check(['freeze.D=[D_fc0, D_nope]']), (e: Error) =>
    e instanceof ConfigError && /^r\.yaml: freeze\.D\[1\]: D has no layer 'D_nope' \(its blocks: D_fc0 \| D_fc1 \| D_out\)/.test(e.message));
  assert.throws(() => check(['freeze.E=[E_fc0]']), (e: Error) => e instanceof ConfigError && /freeze\.E: unknown network \(this model has G, D\)/.test(e.message));
  assert.throws(() => check(['freeze.D.firstBlocks=3']), (e: Error) => e instanceof ConfigError && /freeze\.D\.firstBlocks: 3 would freeze all 3 blocks/.test(e.message));
  assert.throws(() => check(['freeze.G=[G_fc0, G_out]']), (e: Error) => e instanceof ConfigError && /freeze\.G: freezes every layer of G/.test(e.message));
  assert.throws(() => loadConfig(undefined, ['freeze.D.firstBlocks=0']), (e: Error) => e instanceof ConfigError && /freeze\.D/.test(e.message));
  assert.throws(() => loadConfig(undefined, ['freeze.D.first=1']), (e: Error) => e instanceof ConfigError && /freeze\.D/.test(e.message));
  check(['freeze.D.firstBlocks=2', 'freeze.G=[G_fc0]']); // valid
});

test('a frozen DCGAN round: no gradient, wire bytes or Adam state for frozen weights; they and their BN state stay byte-identical', async () => {
  const sets = ['model.family=dcgan', 'model.gChannels=4', 'model.dChannels=4', 'model.latentDim=8', 'train.batchSize=8', 'train.microShards=2'];
  const plain = MasterState.fresh(loadConfig(undefined, sets), image);
  const config = loadConfig(undefined, [...sets, 'freeze.G.firstBlocks=1', 'freeze.D=[D_conv1]']);
  const master = MasterState.fresh(config, image);
  const replica = new ModelReplica(config);
  for (const net of ['G', 'D']) replica.setWeights(net, 0, master.wire(net));
  const before = structuredClone(master.weights);
  const frozenG = ['G_fc/kernel', 'G_bn0/gamma', 'G_bn0/beta', 'G_bn0/moving_mean', 'G_bn0/moving_variance'];
  const images = Uint8Array.from({ length: 4 * 784 }, (_, i) => (i * 37) % 256);
  for (const [phase, tag] of [['D', 'D0'], ['G', 'G']]) {
    // Worker: the block's gradients and state, named as GRADS names them.
    const { grads } = await replica.block({ lo: 0, n: 2 }, (shard) => ({ phase, tag, step: 0, shard, count: 4, x: images }));
    const names = replica.gradNames(phase);
    assert.equal(grads.length, names.length);
    assert.deepEqual(grads.map((g) => g.length), master.wireSizes(phase), `${phase}: GRADS sizes are the master's wireSizes`);
    // The wire: the encoded GRADS message holds exactly the unfrozen weights' bytes.
    const tensors: WireTensor[] = grads.map((data, i) => ({ name: names[i], dtype: 'float32', shape: [data.length], data }));
    const frames = encode({ type: 'GRADS', run: 'r', round: 0, block: { lo: 0, n: 2 }, stats: {}, computeMs: 1 }, tensors);
    const decoded = decode(frames).tensors.map((t) => t.name);
    const bytes = frames.slice(1).reduce((a, f) => a + f.byteLength, 0);
    const weight = (n: string) => master.weights[phase].values[master.weights[phase].names.indexOf(n)].length;
    const frozenNames = phase === 'G' ? frozenG : ['D_conv1/kernel', 'D_conv1/bias'];
    const frozenBytes = 4 * frozenNames.reduce((a, n) => a + weight(n), 0);
    assert.equal(bytes + frozenBytes, 4 * plain.wireSizes(phase).reduce((a, b) => a + b, 0), `${phase}: frozen bytes are all that is missing`);
    for (const n of frozenNames) assert.ok(!decoded.includes(`g/${n}`) && !decoded.includes(`s/${n}`), `${n} is not on the wire`);
    if (phase === 'G') assert.ok(decoded.includes('g/G_up1/kernel') && decoded.includes('s/G_bn1/moving_mean'), decoded.join(' '));
    // Coordinator: Adam state only for the unfrozen trainable weights.
    assert.equal(master.adam[phase].m.length, plain.adam[phase].m.length - frozenNames.filter((n) => !/moving/.test(n)).length);
    master.apply(phase, grads, 0.01, 0);
  }
  // Frozen weights (and G_bn0's running statistics) byte-identical; the rest moved (G_bn1's statistics too).
  for (const net of ['G', 'D']) {
    master.weights[net].names.forEach((n, i) => {
      const same = Buffer.from(master.weights[net].values[i].buffer).equals(Buffer.from(before[net].values[i].buffer));
      const frozen = frozenG.includes(n) || n.startsWith('D_conv1/');
      assert.equal(same, frozen, `${n}: ${frozen ? 'frozen, must not change' : 'trained, must change'}`);
    });
  }
  // A checkpoint holds Adam state for the trained weights only, and restores.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ganymede-freeze-'));
  try {
    await saveCheckpoint(dir, master.checkpoint(1, {}));
    const loaded = await loadCheckpoint(path.join(dir, 'checkpoints', 'step-000001'));
    const adamNames = loaded.state['adam-G'].map((a) => a.name);
    assert.ok(!adamNames.some((n) => n.startsWith('G_fc/') || n.startsWith('G_bn0/')) && adamNames.includes('G_up1/kernel/m'), adamNames.join(' '));
    const restored = MasterState.restore(config, image, loaded);
    assert.deepEqual(restored.adam.G, master.adam.G);
    restored.dispose();
    Object.values(loaded.networks).forEach((m) => m.dispose());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  [plain, master, replica].forEach((x) => x.dispose());
});

test('the FreezeD recipe freezes D_fc0 and D_fc1 of the seed D, and matches the plain fine-tune recipe otherwise', () => {
  const configs = path.resolve(import.meta.dirname, '../../../configs');
  const freezed = loadConfig(path.join(configs, 'finetune-fashion-freezed.yaml'));
  const plain = loadConfig(path.join(configs, 'finetune-fashion.yaml'));
  checkFreeze(freezed, image, 'finetune-fashion-freezed.yaml');
  const master = MasterState.fresh(freezed, image);
  const trained = (m: MasterState) => m.phaseWeights('D').reduce((a, w) => a + w.length, 0);
  const full = MasterState.fresh(plain, image);
  assert.equal(trained(full) - trained(master), 784 * 1024 + 1024 + 1024 * 512 + 512); // D_fc0 and D_fc1
  assert.equal(master.phaseWeights('G').length, full.phaseWeights('G').length); // G trains in full
  assert.deepEqual({ ...freezed, name: '', freeze: {} }, { ...plain, name: '', freeze: {} });
  [master, full].forEach((m) => m.dispose());
});
