// Class-conditional G: with a fixed z, changing only the class label changes the sample (both G options);
// `sampleImages` with a class draws that class for every sample, and a bad label is a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/index.js';
import { oneHot } from '../../src/train/conditional-objectives.js';
import { sampleImages } from '../../src/train/sample.js';
import { MasterState } from '../../coordinator/master.js';

await initBackend('wasm');
const image = { height: 28, width: 28, channels: 1 };

for (const gCond of ['cbn', 'concat']) {
  test(`gCond ${gCond}: a fixed z with class 3 and with class 7 gives different images`, () => {
    const config = loadConfig(undefined, ['model.family=cgan', 'model.gChannels=8', 'model.dChannels=8', `model.gCond=${gCond}`]);
    const master = MasterState.fresh(config, image);
    const G = master.models().G;
    const z = tf.tidy(() => tf.tile(tf.randomNormal([1, 100], 0, 1, 'float32', 3), [2, 1]));
    const out = G.predict([z, oneHot([3, 7], 10)]) as tf.Tensor; // same z twice, labels 3 and 7
    const [a, b] = tf.unstack(out).map((t) => t.dataSync());
    assert.notDeepEqual(a, b);
    const same = G.predict([z, oneHot([7, 7], 10)]) as tf.Tensor;
    const [c, d] = tf.unstack(same).map((t) => t.dataSync());
    assert.deepEqual(c, d); // and only the label: the same z and label give the same image
    const sevens = sampleImages(config, master.models(), 4, 'fixed', 7);
    const mixed = sampleImages(config, master.models(), 4, 'fixed');
    assert.equal(sevens.length, 4 * 784);
    assert.notDeepEqual(sevens, mixed);
    tf.dispose([z, out, same]);
    master.dispose();
  });
}

test('a label outside 0..K-1 is an error, not a silent wrong row', () => {
  assert.throws(() => oneHot([10], 10), /class label 10 is not in 0\.\.9/);
});
