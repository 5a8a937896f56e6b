// CURVE keys: the public key derived from a secret one matches libzmq's pair; bad keys and settings are clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { clientCurve, keyBytes, publicKeyOf, serverCurve } from '../../src/protocol/curve.js';

test('the public key of a secret key is the one libzmq generated with it', () => {
  for (let i = 0; i < 5; i++) {
    const pair = zmq.curveKeyPair();
    assert.equal(publicKeyOf(pair.secretKey, 'test'), pair.publicKey);
  }
});

test('keys come from the environment (or files), and bad ones name where they came from', () => {
  const server = zmq.curveKeyPair();
  const worker = zmq.curveKeyPair();
  assert.equal(serverCurve({}), undefined);
  const s = serverCurve({ GANYMEDE_CURVE_SECRET: server.secretKey, GANYMEDE_CURVE_CLIENTS: `${worker.publicKey}, ${server.publicKey}` });
  assert.deepEqual(s, { secretKey: server.secretKey, publicKey: server.publicKey, clients: [worker.publicKey, server.publicKey] });
  assert.throws(() => serverCurve({ GANYMEDE_CURVE_SECRET: server.secretKey }), /no worker keys/);
  assert.throws(() => serverCurve({ GANYMEDE_CURVE_SECRET: server.secretKey, GANYMEDE_CURVE_CLIENTS: 'abc' }), /\$GANYMEDE_CURVE_CLIENTS, key 1: not a CURVE key/);
  assert.throws(() => serverCurve({ GANYMEDE_CURVE_SECRET_FILE: '/nonexistent/key' }), /\/nonexistent\/key \(GANYMEDE_CURVE_SECRET_FILE\): cannot be read \(ENOENT\)/);
  const c = clientCurve({ GANYMEDE_CURVE_SERVER_KEY: server.publicKey, GANYMEDE_CURVE_SECRET: worker.secretKey });
  assert.equal(c?.publicKey, worker.publicKey);
  assert.throws(() => clientCurve({ GANYMEDE_CURVE_SERVER_KEY: server.publicKey }), /this worker has no key/);
  assert.throws(() => keyBytes(`${server.publicKey.slice(0, 39)}~`, 'k'), /k: not a CURVE key/);
});
