import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { ProtocolError } from '../../src/errors.js';

const grads = () =>
  encode({ type: 'GRADS', run: 'r1', round: 3, block: { lo: 0, n: 2 }, stats: { 'loss/D': 0.5 }, computeMs: 1 }, [
    { name: 'g/0', dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
  ]);

test('a message round-trips with its tensors', () => {
  const msg = decode(grads());
  assert.equal(msg.header.type, 'GRADS');
  assert.equal(msg.header.v, PROTOCOL_VERSION);
  assert.deepEqual(Array.from(msg.tensors[0].data), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(msg.tensors[0].shape, [2, 3]);
});

test('uint8 frames at odd offsets decode', () => {
  const frames = encode({ type: 'WEIGHTS', run: 'r', net: 'G', version: 1 }, [
    { name: 'w', dtype: 'float32', shape: [1], data: Float32Array.from([7]) },
  ]);
  const shifted = Buffer.concat([Buffer.from([0]), frames[1]]).subarray(1);
  assert.equal(decode([frames[0], shifted]).tensors[0].data[0], 7);
});

function rejects(frames: Buffer[], pattern: RegExp) {
  assert.throws(() => decode(frames), (e: Error) => e instanceof ProtocolError && pattern.test(e.message));
}

test('bad messages are ProtocolErrors saying what is wrong', () => {
  const [header, body] = grads();
  rejects([], /empty/);
  rejects([Buffer.from('{nope'), body], /not JSON/);
  rejects([Buffer.from(JSON.stringify({ ...JSON.parse(header.toString()), v: 99 })), body], /version 99/);
  rejects([Buffer.from(JSON.stringify({ ...JSON.parse(header.toString()), type: 'DANCE' })), body], /bad DANCE header/);
  rejects([Buffer.from(JSON.stringify({ ...JSON.parse(header.toString()), extra: 1 })), body], /bad GRADS header/);
  rejects([header], /lists 1 tensors, message has 0 frames/);
  rejects([header, body.subarray(0, 20)], /needs 24 bytes, frame has 20/);
  const nan = Buffer.from(Float32Array.from([1, 2, NaN, 4, 5, 6]).buffer);
  rejects([header, nan], /non-finite/);
});

test('encode refuses a tensor whose data does not fit its shape', () => {
  assert.throws(
    () => encode({ type: 'WEIGHTS', run: 'r', net: 'G', version: 1 }, [{ name: 'w', dtype: 'float32', shape: [3], data: new Float32Array(2) }]),
    ProtocolError,
  );
});
