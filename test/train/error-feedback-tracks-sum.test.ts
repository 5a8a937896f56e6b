// bfloat16 gradient compression (cluster.gradientCompression: bf16): the conversion rounds to nearest even and
// saturates; on the wire a gradient takes half the bytes and decodes to float32; and error feedback makes the
// accumulated sum of what is sent track the true sum (off by the current residual only), where plain rounding
// drifts by a rounding error every round.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, encode } from '../../src/protocol/index.js';
import { fromBfloat16, toBfloat16 } from '../../src/protocol/bfloat16.js';
import { ErrorFeedback } from '../../src/train/error-feedback.js';
import { KeyedRandom } from '../../src/rng.js';

test('bfloat16: nearest-even rounding, exact values kept, saturation, infinities and NaN', () => {
  const x = Float32Array.from([1, -2.5, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, 3.4e38, -3.4e38, Infinity, -Infinity, NaN, 0, -0]);
  const y = [...fromBfloat16(toBfloat16(x))];
  assert.deepEqual(y.slice(0, 5), [1, -2.5, 1, 1 + 4 * 2 ** -8, 1 + 2 ** -7]); // tie to even (down, up), above half rounds up
  assert.equal(y[5], 3.3895313892515355e38); // bf16's largest finite, not infinity
  assert.equal(y[6], -3.3895313892515355e38);
  assert.deepEqual(y.slice(7, 9), [Infinity, -Infinity]);
  assert.ok(Number.isNaN(y[9]));
  assert.ok(Object.is(y[11], -0));
});

test('a bfloat16 gradient takes half the bytes on the wire and decodes to float32', () => {
  const g = new KeyedRandom('bf16-wire').normal(1001);
  const frames = encode({ type: 'HEARTBEAT', run: 'r' }, [{ name: 'g/0', dtype: 'bfloat16', shape: [1001], data: toBfloat16(g) }]);
  assert.equal(frames[1].byteLength, 2002);
  const t = decode(frames).tensors[0];
  assert.equal(t.dtype, 'float32');
  assert.deepEqual(t.data, fromBfloat16(toBfloat16(g)));
  for (let i = 0; i < g.length; i++) assert.ok(Math.abs(t.data[i] - g[i]) <= Math.abs(g[i]) * 2 ** -8);
  const bad = Buffer.from(frames[1]);
  bad.writeUInt16LE(0x7fc0, 10); // a NaN
  assert.throws(() => decode([frames[0], bad]), /non-finite value at 5/);
});

test('error feedback: the sum of what is sent tracks the true sum; plain rounding drifts', () => {
  // A gradient bfloat16 cannot hold (1 + 2^-9 rounds to 1): without feedback every round loses 2^-9.
  const rounds = 1000;
  const g = [Float32Array.from({ length: 8 }, () => 1 + 2 ** -9)];
  const ef = new ErrorFeedback();
  let sent = 0;
  let plain = 0;
  let truth = 0;
  for (let r = 0; r < rounds; r++) {
    sent += fromBfloat16(ef.encode('D:0:1', g, 'bf16')[0].data as Uint16Array)[0];
    plain += fromBfloat16(toBfloat16(g[0]))[0];
    truth += g[0][0];
  }
  assert.ok(Math.abs(plain - truth) > 1.9, `plain rounding drifts: ${plain - truth}`); // 1000 x 2^-9
  assert.ok(Math.abs(sent - truth) <= 2 ** -7, `error feedback tracks: ${sent - truth}`); // at most half a bf16 step near 1

  // Random gradients: the sum sent + the residual is the true sum, up to float32 rounding of the running sums.
  const ef2 = new ErrorFeedback();
  const n = 500;
  const sums = { sent: new Float64Array(n), truth: new Float64Array(n) };
  for (let r = 0; r < 200; r++) {
    const grad = new KeyedRandom('ef', r).normal(n).map((v) => v * 1e-3);
    const out = fromBfloat16(ef2.encode('G:0:2', [grad], 'bf16')[0].data as Uint16Array);
    for (let i = 0; i < n; i++) { sums.sent[i] += out[i]; sums.truth[i] += grad[i]; }
  }
  const residual = ef2.residual('G:0:2')![0];
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(sums.sent[i] + residual[i] - sums.truth[i]) < 1e-7, `element ${i}`);
    assert.ok(Math.abs(residual[i]) <= 1e-5, `the residual stays within a rounding step: ${residual[i]}`);
  }
  assert.equal(ef2.residual('D:0:1'), undefined);
});
