// A worker still computing a block when the coordinator has moved on to a later round (a straggler whose block
// was copied and finished elsewhere) drops the block between micro-shards instead of finishing it: the next
// GRADS it sends is the later round's, exactly the right gradient. A real worker process, a fake coordinator
// on a real ZeroMQ socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/index.js';
import { encode } from '../../src/protocol/index.js';
import { adamInit, adamStep } from '../../src/train/adam.js';
import { exited } from './chaos.js';
import { fakeCoordinator } from './fake-coordinator.js';

test('a worker drops a block whose round the coordinator has finished, and computes the next round exactly', { timeout: 300_000 }, async () => {
  await initBackend('wasm');
  // The seed GAN's sizes, 8 micro-shards of 8: a block of all 8 takes long enough for the next round to arrive.
  const config = loadConfig(undefined, ['train.microShards=8', 'backend=wasm']);
  const { fake, worker, id, master, local, next, close } = await fakeCoordinator(config);
  try {
    const run = 'superseded-run';
    await fake.send([id, ...encode({ type: 'WELCOME', run, workerId: 'w', config })]);
    const shardSize = config.train.batchSize / 8;
    const pixels = Array.from({ length: 8 }, (_, s) => Uint8Array.from({ length: shardSize * 784 }, (_, i) => (i * 31 + s * 7) % 256));
    const x = pixels.map((data, s) => ({ name: `x/${s}`, dtype: 'uint8' as const, shape: [shardSize, 28, 28, 1], data }));
    const block = { lo: 0, n: 8 };
    const sendWeights = async (version: number) => {
      for (const net of Object.keys(master.nets)) {
        await fake.send([id, ...encode({ type: 'WEIGHTS', run, net, version }, master.wire(net))]);
        local.setWeights(net, version, master.wire(net));
      }
      return Object.fromEntries(Object.keys(master.nets).map((net) => [net, version]));
    };
    // Round 0, and at once (as if a copy of its block had finished on another worker) round 1 with new weights.
    const v1 = await sendWeights(1);
    await fake.send([id, ...encode({ type: 'WORK', run, round: 0, step: 0, phase: 'D', tag: 'D0', versions: v1, blocks: [block], shardSize }, x)]);
    const w = master.weights.D.values;
    adamStep(w, w.map((v) => v.map((_, i) => Math.sin(i))), adamInit(w.map((v) => v.length)), { lr: 1e-2, beta1: 0.5, beta2: 0.999, eps: 1e-8 });
    const v2 = await sendWeights(2);
    await fake.send([id, ...encode({ type: 'WORK', run, round: 1, step: 0, phase: 'D', tag: 'D0', versions: v2, blocks: [block], shardSize }, x)]);

    const grads = await next();
    assert.equal(grads.header.type, 'GRADS', JSON.stringify(grads.header));
    assert.equal((grads.header as { round: number }).round, 1, 'the first GRADS is round 1: round 0 was dropped, not finished');
    const want = await local.block(block, (shard) => ({ phase: 'D', tag: 'D0', step: 0, shard, count: shardSize, x: pixels[shard] }));
    assert.equal(grads.tensors.length, want.grads.length);
    grads.tensors.forEach((t, i) => assert.ok(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(want.grads[i].buffer)), `tensor ${i}`));
    await fake.send([id, ...encode({ type: 'SHUTDOWN', run, reason: 'test over', final: true })]);
    assert.equal(await exited(worker), 0, worker.log.join('').slice(-2000));
    assert.match(worker.log.join(''), /dropped a superseded block/);
  } finally {
    close();
  }
});
