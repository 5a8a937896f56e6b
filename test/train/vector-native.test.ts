// The native element-wise loops (native/vector.cc) against the JS ones: addInto gives the same bits (sums of
// values from subnormal to near float32's largest, infinities and NaN included, on views at odd offsets);
// allFinite finds one NaN or infinity anywhere, tail included; bad calls throw and write nothing.
// Skipped (with the reason) where the addon is not built: the JS loops then run, and are the reference.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadOpenblas, nativeVector, NATIVE_VECTOR_MIN } from '../../src/backend/openblas-addon.js';
import { allFinite } from '../../src/protocol/index.js';
import { addInto } from '../../src/train/reduce.js';
import { KeyedRandom } from '../../src/rng.js';

const load = loadOpenblas();
const skip = !load.ok ? load.why : nativeVector() === undefined ? 'the built addon predates vector.cc (rebuild: node scripts/build-native.mjs)' : false;

function values(seed: number, n: number): Float32Array {
  const z = new KeyedRandom('vector-native', seed).normal(n);
  const scales = [1e-42, 1e-30, 1e-3, 1, 3e5, 1e30, 3e37]; // |z| < 6: all finite
  return z.map((x, i) => (i % 101 === 0 ? 0 : i % 89 === 0 ? -x : x * scales[i % scales.length]));
}

/** Views at offsets that are not multiples of 16 bytes, into one larger buffer. */
function views(sizes: number[], seed: number): Float32Array[] {
  const backing = new Float32Array(sizes.reduce((a, b) => a + b, 0) + 3);
  let at = 3;
  return sizes.map((n, k) => {
    const v = backing.subarray(at, at + n);
    at += n;
    v.set(values(seed + k, n));
    return v;
  });
}

const hex = (a: Float32Array[]) => a.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('hex'));

test('native addInto gives the bits of the JS loop, overflow to infinity and NaN included', { skip }, () => {
  const sizes = [1, 7, NATIVE_VECTOR_MIN, 4099, 100_003];
  const a = views(sizes, 0);
  const js = a.map((x) => x.slice());
  const b = views(sizes, 50);
  b[3][17] = Number.POSITIVE_INFINITY;
  b[3][18] = Number.NaN;
  a[4][5] = 3.3e38; // + 1.5e38 overflows
  js[4][5] = 3.3e38;
  b[4][5] = 1.5e38;
  for (let r = 0; r < 3; r++) {
    addInto(a, b);
    addInto(js, b, 'js');
  }
  assert.deepEqual(hex(a), hex(js));
  assert.equal(a[4][5], Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(a[3][18]));
  assert.ok(a[4].some((x, i) => x !== values(4, sizes[4])[i]), 'the sums moved');
});

test('native allFinite finds one NaN or infinity anywhere, and passes finite extremes', { skip }, () => {
  for (const n of [NATIVE_VECTOR_MIN, 4099, 100_003]) {
    const a = views([n], n)[0];
    a[0] = 3.4028234663852886e38;
    a[1] = -3.4028234663852886e38;
    a[2] = 1e-45; // the smallest subnormal
    a[3] = -0;
    assert.equal(allFinite(a), true, `finite, n = ${n}`);
    for (const at of [0, 7, 8, n >> 1, n - 9, n - 1]) {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        const saved = a[at];
        a[at] = bad;
        assert.equal(allFinite(a), false, `${bad} at ${at} of ${n}`);
        assert.equal(allFinite(a, 'js'), false);
        a[at] = saved;
      }
    }
  }
});

test('native addInto and allFinite reject arrays of other types or lengths, writing nothing', { skip }, () => {
  const v = nativeVector()!;
  const a = new Float32Array([1, 2]);
  assert.throws(() => v.addInto(a, new Float32Array(3)), RangeError);
  assert.throws(() => v.addInto(a, new Float64Array(2) as unknown as Float32Array), TypeError);
  assert.throws(() => v.allFinite(new Uint8Array(4) as unknown as Float32Array), TypeError);
  assert.deepEqual([...a], [1, 2]);
  assert.throws(() => addInto([new Float32Array(NATIVE_VECTOR_MIN)], [new Float32Array(NATIVE_VECTOR_MIN + 1)]), /addInto: array 0/);
});
