// float16 gradient compression (cluster.gradientCompression: fp16): the encoder against halves computed by hand
// (IEEE 754 binary16: sign | 5-bit exponent, bias 15 | 10-bit mantissa), nearest-even ties, subnormals, the
// per-tensor float32 fallback beyond float16's range, the wire (2 bytes a value, decoded to float32) and error
// feedback on float16.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, encode } from '../../src/protocol/index.js';
import { FLOAT16_MAX, fromFloat16, toFloat16 } from '../../src/protocol/float16.js';
import { ErrorFeedback } from '../../src/train/error-feedback.js';
import { KeyedRandom } from '../../src/rng.js';

const cases: [number, number][] = [
  [1, 0x3c00], // exponent 15 (0b01111), mantissa 0
  [-2, 0xc000], // sign, exponent 16
  [0.5, 0x3800],
  [FLOAT16_MAX, 0x7bff], // exponent 30, mantissa all ones: (2 - 2^-10) * 2^15
  [65519, 0x7bff], // below the halfway point 65520: rounds down to the largest finite
  [0.1, 0x2e66], // 0.0999755859375: 1.1001100110 x 2^-4, the dropped bits 0110011... < half
  [1 / 3, 0x3555], // 1.0101010101 x 2^-2
  [1 + 2 ** -11, 0x3c00], // a tie between 1 and 1 + 2^-10: to even (down)
  [1 + 3 * 2 ** -11, 0x3c02], // a tie between 1 + 2^-10 and 1 + 2^-9: to even (up)
  [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie: up
  [2 - 2 ** -12, 0x4000], // the mantissa carries into the exponent
  [2 ** -14, 0x0400], // the smallest normal
  [2 ** -24, 0x0001], // the smallest subnormal
  [3 * 2 ** -24, 0x0003],
  [2 ** -25, 0x0000], // a tie between 0 and 2^-24: to even (0)
  [3 * 2 ** -26, 0x0001], // 0.75 of the smallest subnormal: up
  [2 ** -14 - 2 ** -25, 0x0400], // a tie between the largest subnormal (0x03ff) and the smallest normal: to even
  [-(2 ** -30), 0x8000], // -0
  [0, 0x0000],
  [Infinity, 0x7c00],
  [-Infinity, 0xfc00],
];

test('float16: every hand-computed half, nearest-even ties, subnormals, infinities, NaN', () => {
  const x = Float32Array.from(cases.map(([v]) => v));
  const h = toFloat16(x);
  assert.ok(h);
  cases.forEach(([v, bits], i) => assert.equal(h[i], bits, `${v}: 0x${h[i].toString(16)}, expected 0x${bits.toString(16)}`));
  const back = fromFloat16(h);
  assert.deepEqual([...back.slice(0, 4)], [1, -2, 0.5, 65504]);
  assert.equal(back[5], 0.0999755859375);
  assert.equal(back[13], 3 * 2 ** -24);
  assert.ok(Object.is(back[17], -0));
  assert.deepEqual([...back.slice(19)], [Infinity, -Infinity]);
  const nan = toFloat16(Float32Array.from([NaN]));
  assert.ok(nan && (nan[0] & 0x7c00) === 0x7c00 && (nan[0] & 0x3ff) !== 0, 'NaN stays NaN');
  assert.ok(Number.isNaN(fromFloat16(nan)[0]));
});

test('float16: every float16 survives float32 and back; a value beyond the range is refused, not made infinite', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const wide = fromFloat16(all);
  const again = toFloat16(wide);
  assert.ok(again);
  for (let i = 0; i < 65536; i++) if (!Number.isNaN(wide[i])) assert.equal(again[i], i, `0x${i.toString(16)}`);
  assert.equal(toFloat16(Float32Array.from([1, 65520])), undefined);
  assert.equal(toFloat16(Float32Array.from([-1e6])), undefined);
});

test('a float16 gradient takes half the bytes on the wire and decodes to float32', () => {
  const g = new KeyedRandom('fp16-wire').normal(1001);
  const h = toFloat16(g);
  assert.ok(h);
  const frames = encode({ type: 'HEARTBEAT', run: 'r' }, [{ name: 'g/0', dtype: 'float16', shape: [1001], data: h }]);
  assert.equal(frames[1].byteLength, 2002);
  const t = decode(frames).tensors[0];
  assert.equal(t.dtype, 'float32');
  for (let i = 0; i < g.length; i++) assert.ok(Math.abs(t.data[i] - g[i]) <= Math.max(Math.abs(g[i]) * 2 ** -11, 2 ** -25));
  const bad = Buffer.from(frames[1]);
  bad.writeUInt16LE(0x7c00, 10); // infinity
  assert.throws(() => decode([frames[0], bad]), /non-finite value at 5/);
});

test('error feedback on float16: tracks the true sum; a tensor beyond the range goes as float32', () => {
  const ef = new ErrorFeedback();
  const n = 300;
  const sums = { sent: new Float64Array(n), truth: new Float64Array(n) };
  for (let r = 0; r < 100; r++) {
    // 1e-7 x normal: mostly float16 subnormals (below 6.1e-5), where rounding drops the most.
    const grad = new KeyedRandom('ef16', r).normal(n).map((v) => v * 1e-7);
    const [c] = ef.encode('D:0:1', [grad], 'fp16');
    assert.equal(c.dtype, 'float16');
    const out = fromFloat16(c.data as Uint16Array);
    for (let i = 0; i < n; i++) { sums.sent[i] += out[i]; sums.truth[i] += grad[i]; }
  }
  const residual = ef.residual('D:0:1')![0];
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(sums.sent[i] + residual[i] - sums.truth[i]) < 1e-11, `element ${i}`);
    assert.ok(Math.abs(residual[i]) <= 2 ** -25, `the residual stays within half a subnormal step: ${residual[i]}`);
  }
  const big = [Float32Array.from([1, 2, 7e4]), Float32Array.from([0.1, 0.2])];
  const [wide, small] = ef.encode('G:0:1', big, 'fp16');
  assert.equal(wide.dtype, 'float32');
  assert.deepEqual(wide.data, big[0]);
  assert.equal(small.dtype, 'float16');
  assert.deepEqual([...ef.residual('G:0:1')![0]], [0, 0, 0]);
});
