// Fuzz (DESIGN.md §6): thousands of random and mutated messages at a live coordinator (from strangers, and
// injected into a real worker's connection by a man in the middle: replays, duplicates, truncations, NaN
// tensors, huge shapes) and at a live worker (from a fake coordinator). Both keep running, a normal run
// alongside completes, and its result is byte-identical to the undisturbed run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import * as zmq from 'zeromq';
import { initBackend } from '../../src/backend/index.js';
import { loadConfig } from '../../src/config/index.js';
import { encode } from '../../src/protocol/index.js';
import { runCli, tempDir } from './cli.js';
import { exited, freePort, isAlive, startWorker, weightHashes } from './chaos.js';
import { fakeCoordinator } from './fake-coordinator.js';
import { mutants, randomMessage, rng } from './fuzz.js';

const root = tempDir('fuzz');
const STEPS = 12;
const SETS = ['--set', `train.steps=${STEPS}`, '--set', 'train.microShards=4', '--set', 'seed=5', '--set', 'train.checkpointEvery=6',
  '--set', 'model.gHidden=[64,128]', '--set', 'model.dHidden=[128,64]', '--backend', 'wasm'];

/** Forwards a worker's connection to the coordinator, and after each real message injects its mutants both ways. */
async function manInTheMiddle(coordinator: string, seed: number): Promise<{ endpoint: string; injected: () => number; close: () => void }> {
  const r = rng(seed);
  // Mandatory with a deep queue: the real messages (SHUTDOWN above all) wait for room instead of being dropped.
  const front = new zmq.Router({ linger: 0, mandatory: true, sendHighWaterMark: 100_000 });
  await front.bind('tcp://127.0.0.1:0');
  const back = new zmq.Dealer({ linger: 0, sendTimeout: 2000 });
  back.connect(coordinator);
  let worker: Buffer | undefined;
  let injected = 0;
  // One queue per direction, so that a send blocked one way (the coordinator gone) never holds up the other.
  const queues = { up: Promise.resolve(), down: Promise.resolve() };
  const later = (way: 'up' | 'down', f: () => Promise<void>) => (queues[way] = queues[way].then(f).catch(() => undefined));
  void (async () => {
    for await (const [id, ...frames] of front) {
      worker = id;
      later('up', async () => {
        await back.send(frames);
        if (isType(frames, 'HELLO')) return; // a mangled HELLO could be refused, which would stop the worker
        const bad = mutants(r, frames);
        for (const m of bad) await back.send(m);
        injected += bad.length;
      });
    }
  })().catch(() => undefined);
  void (async () => {
    for await (const frames of back) {
      later('down', async () => {
        if (!worker) return;
        await front.send([worker, ...frames]);
        // Not WORK: a flipped byte can make a valid WORK the worker would compute, slowing the run for nothing
        // (the fuzz test of a live worker below covers it).
        if (!isType(frames, 'WORK') && r() < 0.3) {
          const bad = mutants(r, frames);
          for (const m of bad) await front.send([worker, ...m]);
          injected += bad.length;
        }
      });
    }
  })().catch(() => undefined);
  return {
    endpoint: front.lastEndpoint as string,
    injected: () => injected,
    close: () => {
      front.close();
      back.close();
    },
  };
}

function isType(frames: Buffer[], type: string): boolean {
  try {
    return (JSON.parse(frames[0].toString()) as { type?: string }).type === type;
  } catch {
    return false;
  }
}

test('a live coordinator under thousands of bad messages runs on, and the result is byte-identical', { timeout: 600_000 }, async () => {
  const ref = await runCli(['train', '--out', path.join(root, 'reference'), '--workers', '2', ...SETS]);
  assert.equal(ref.code, 0, ref.stderr.slice(-3000));
  const expected = weightHashes(path.join(root, 'reference'), STEPS);

  const run = path.join(root, 'fuzzed');
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  const env = { GANYMEDE_TOKEN: 'fuzz-token' };
  const coordinator = runCli(['coordinator', '--out', run, '--bind', endpoint, '--workers', '2', ...SETS], { env });
  const mitm = await manInTheMiddle(endpoint, 1);
  const workers = [startWorker(endpoint, 0, env), startWorker(mitm.endpoint, 1, env)];
  const stranger = new zmq.Dealer({ linger: 0, sendTimeout: 1000 });
  stranger.connect(endpoint);
  let sent = 0;
  let running = true;
  const r = rng(7);
  const flood = (async () => {
    while (running && sent < 5000) {
      await stranger.send(randomMessage(r, 'unknown')).catch(() => undefined);
      sent++;
      if (sent % 50 === 0) await new Promise((res) => setTimeout(res, 5));
    }
  })();
  try {
    const res = await coordinator;
    running = false;
    await flood;
    assert.equal(res.code, 0, res.stderr.slice(-3000));
    assert.ok(sent >= 1000, `only ${sent} stranger messages were sent before the run ended`);
    assert.match(res.stderr, /rejected a message/);
    assert.deepEqual(weightHashes(run, STEPS), expected);
    for (const w of workers) assert.equal(await exited(w), 0, w.log.join('').slice(-2000));
    assert.ok(mitm.injected() > 100, `only ${mitm.injected()} mutants injected`);
  } finally {
    running = false;
    stranger.close();
    mitm.close();
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  }
});

test('a live worker under thousands of bad messages keeps running and then computes exactly the right gradient', { timeout: 300_000 }, async () => {
  await initBackend('wasm');
  const config = loadConfig(undefined, ['model.gHidden=[32]', 'model.dHidden=[32]', 'train.batchSize=8', 'train.microShards=2', 'backend=wasm']);
  const { fake, worker, id, master, local, next, close } = await fakeCoordinator(config);
  try {
    const r = rng(3);
    // Before WELCOME, then after it: every kind of garbage.
    for (let i = 0; i < 1500; i++) await fake.send([id, ...randomMessage(r, '')]);
    const run = 'fuzz-run';
    await fake.send([id, ...encode({ type: 'WELCOME', run, workerId: 'w', config })]);
    for (let i = 0; i < 1500; i++) await fake.send([id, ...randomMessage(r, run)]);
    const weights: Record<string, number> = {};
    for (const net of Object.keys(master.nets)) {
      const frames = encode({ type: 'WEIGHTS', run, net, version: 3 }, master.wire(net));
      await fake.send([id, ...frames]);
      for (const m of mutants(r, frames)) await fake.send([id, ...m]);
      local.setWeights(net, 3, master.wire(net));
      weights[net] = 3;
    }
    const pixels = [0, 1].map((s) => Uint8Array.from({ length: 4 * 784 }, (_, i) => (i * 31 + s * 7) % 256));
    const work = encode(
      { type: 'WORK', run, round: 0, step: 0, phase: 'D', tag: 'D0', versions: weights, blocks: [{ lo: 0, n: 2 }], shardSize: 4 },
      pixels.map((data, s) => ({ name: `x/${s}`, dtype: 'uint8' as const, shape: [4, 28, 28, 1], data })),
    );
    await fake.send([id, ...work]);
    for (const m of mutants(r, work)) await fake.send([id, ...m]);
    const grads = await next(['ERROR', 'HEARTBEAT']);
    assert.equal(grads.header.type, 'GRADS');
    const want = await local.block({ lo: 0, n: 2 }, (shard) => ({ phase: 'D', tag: 'D0', step: 0, shard, count: 4, x: pixels[shard] }));
    assert.equal(grads.tensors.length, want.grads.length);
    grads.tensors.forEach((t, i) => assert.deepEqual(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength), Buffer.from(want.grads[i].buffer)));
    assert.ok(isAlive(worker.pid as number), 'the worker is still running');
    await fake.send([id, ...encode({ type: 'SHUTDOWN', run, reason: 'test over', final: true })]);
    assert.equal(await exited(worker), 0, worker.log.join('').slice(-2000));
  } finally {
    close();
  }
});

test.after(() => rmSync(root, { recursive: true, force: true }));
