// Growing the master networks (Karras et al. 2018 §3): right after a stage change, at alpha 0, the grown G's
// output equals the nearest-upsampled output of G before growing (exactly: the blend at alpha 0 is the old path)
// and the grown D's score equals the old D's (within float tolerance: pooling 28 -> 14 -> 7 rounds differently
// from 28 -> 7); existing weights and their Adam moments are kept, new weights start from their seed-keyed
// initial values with zero moments and their own Adam bias correction, and the faded-out path is dropped once
// the fade ends. The worker's replica rebuilds itself from the grown WEIGHTS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/index.js';
import { adamInit, adamStep } from '../../src/train/adam.js';
import { MasterState } from '../../coordinator/master.js';
import { ModelReplica } from '../../worker/replica.js';

await initBackend('wasm');
const image = { height: 28, width: 28, channels: 1 };
const config = loadConfig(undefined, [
  'model.family=progan', 'model.channels=[6, 5, 4]', 'model.latentDim=8', 'loss=wasserstein', 'train.batchSize=4',
  'stages=[{resolution: 7, stableImages: 8}, {resolution: 14, fadeImages: 8, stableImages: 8}, {resolution: 28, fadeImages: 8}]',
]);

/** One Adam step of each phase with gradients 0.01 * (index + 1), so the moments are not zero. */
function stepOnce(master: MasterState): void {
  for (const phase of ['D', 'G']) master.apply(phase, master.wireSizes(phase).map((n, i) => new Float32Array(n).fill(0.01 * (i + 1))), 1e-3);
}

function outputs(master: MasterState, z: tf.Tensor, x: tf.Tensor): { g: Float32Array; d: Float32Array } {
  const { G, D } = master.models();
  return tf.tidy(() => ({ g: (G.predict(z) as tf.Tensor).dataSync() as Float32Array, d: (D.predict(x) as tf.Tensor).dataSync() as Float32Array }));
}

test('at alpha 0 right after growing, G\'s output and D\'s score are those of the networks before growing', () => {
  const z = tf.randomNormal([3, 8], 0, 1, 'float32', 5);
  const x = tf.randomUniform([3, 784], -1, 1, 'float32', 6);
  for (const [from, to] of [[7, 14], [14, 28]]) {
    const master = MasterState.fresh(config, image, { resolution: from, fading: false });
    stepOnce(master);
    const before = outputs(master, z, x);
    master.grow({ resolution: to, fading: true });
    master.alpha = 0;
    const after = outputs(master, z, x);
    assert.deepEqual(after.g, before.g, `G ${from} -> ${to}: the old path, upsampled`);
    after.d.forEach((v, i) => assert.ok(Math.abs(v - before.d[i]) <= 1e-5 * Math.max(1, Math.abs(before.d[i])), `D ${from} -> ${to} sample ${i}: ${v} vs ${before.d[i]}`));
    master.alpha = 0.5;
    assert.notDeepEqual(outputs(master, z, x).g, before.g, 'the new path counts once alpha > 0');
    master.dispose();
  }
  tf.dispose([z, x]);
});

test('growing keeps existing weights and their Adam moments; new weights start fresh; the faded-out path goes', () => {
  const master = MasterState.fresh(config, image, { resolution: 7, fading: false });
  stepOnce(master);
  stepOnce(master);
  const old = { D: structuredClone(master.weights.D), G: structuredClone(master.weights.G) };
  const oldAdam = structuredClone(master.adam);
  const oldWire = { D: master.wireNames('D'), G: master.wireNames('G') };
  const versions = { ...master.versions };
  master.grow({ resolution: 14, fading: true });
  const reference = MasterState.fresh(config, image, { resolution: 14, fading: true }); // seed-keyed initial values
  for (const net of ['D', 'G'] as const) {
    assert.equal(master.versions[net], versions[net] + 1, `${net} version bumped`);
    const w = master.weights[net];
    assert.deepEqual(w.names, reference.weights[net].names);
    w.names.forEach((name, i) => {
      const k = old[net].names.indexOf(name);
      assert.deepEqual(w.values[i], k >= 0 ? old[net].values[k] : reference.weights[net].values[i], `${net} ${name}`);
    });
    assert.ok(w.names.some((n) => !old[net].names.includes(n)), `${net} has new weights`);
    // Adam: kept names keep m and v; new ones are zero and start at the current t.
    const names = master.wireNames(net);
    const oldNames = oldWire[net];
    const adam = master.adam[net];
    assert.equal(adam.t, oldAdam[net].t);
    names.forEach((name, i) => {
      const k = oldNames.indexOf(name);
      if (k >= 0) {
        assert.deepEqual(adam.m[i], oldAdam[net].m[k], `m of ${name}`);
        assert.deepEqual(adam.v[i], oldAdam[net].v[k], `v of ${name}`);
        assert.equal(adam.start?.[i], 0);
      } else {
        assert.ok(adam.m[i].every((v) => v === 0) && adam.v[i].every((v) => v === 0), `fresh moments of ${name}`);
        assert.equal(adam.start?.[i], 2, `${name} starts at t = 2`);
      }
    });
  }
  // The fade ends: the 7x7 toRGB / fromRGB go, everything else stays.
  master.grow({ resolution: 14, fading: false });
  assert.ok(!master.weights.G.names.some((n) => n.startsWith('G_torgb_7/')) && master.weights.G.names.some((n) => n.startsWith('G_torgb_14/')));
  assert.ok(!master.weights.D.names.some((n) => n.startsWith('D_fromrgb_7/')));
  // A worker's replica rebuilds itself from the grown WEIGHTS.
  const replica = new ModelReplica(config);
  for (const net of ['D', 'G']) replica.setWeights(net, master.versions[net], master.wire(net));
  assert.deepEqual(replica.replica.nets.G.weights.map((w) => w.originalName), master.weights.G.names);
  replica.dispose();
  reference.dispose();
  master.dispose();
});

test('a variable that joins Adam at step t is updated as by a fresh Adam (its own bias correction)', () => {
  const cfg = { lr: 1e-3, beta1: 0, beta2: 0.99, eps: 1e-8 };
  const g = [Float32Array.of(0.3, -0.2)];
  const joined = { ...adamInit([2]), t: 7, start: [7] };
  const fresh = adamInit([2]);
  const [w1, w2] = [Float32Array.of(1, 2), Float32Array.of(1, 2)];
  for (let i = 0; i < 3; i++) {
    adamStep([w1], g, joined, cfg);
    adamStep([w2], g, fresh, cfg);
  }
  assert.deepEqual(w1, w2);
});

test('the EMA generator grows with G: kept weights keep their averages, new ones start at G\'s new values', () => {
  const withEma = loadConfig(undefined, ['model.family=progan', 'model.channels=[6, 5, 4]', 'model.latentDim=8', 'loss=wasserstein', 'train.ema.decay=0.9']);
  const master = MasterState.fresh(withEma, image, { resolution: 7, fading: false });
  stepOnce(master);
  const before = structuredClone(master.ema!.weights);
  master.grow({ resolution: 14, fading: true });
  const { weights } = master.ema!;
  assert.deepEqual(weights.names, master.weights.G.names);
  weights.names.forEach((name, i) => {
    const k = before.names.indexOf(name);
    assert.deepEqual(weights.values[i], k >= 0 ? before.values[k] : master.weights.G.values[i], name);
    assert.notEqual(weights.values[i], master.weights.G.values[i], `${name}: the EMA holds its own copy`);
  });
  assert.deepEqual(master.sampleNets().G.weights.map((w) => w.originalName), weights.names);
  master.dispose();
});
