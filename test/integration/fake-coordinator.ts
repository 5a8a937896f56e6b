// A fake coordinator for tests of one real worker process: a ROUTER socket on a free tcp port, the worker's
// HELLO already read, the run's master weights, and a local replica computing the gradients the worker must send.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as zmq from 'zeromq';
import { MasterState } from '../../coordinator/master.js';
import type { Config } from '../../src/config/index.js';
import { decode, type Message } from '../../src/protocol/index.js';
import { MNIST_IMAGE, ModelReplica } from '../../worker/replica.js';
import { startWorker } from './chaos.js';

export interface FakeCoordinator {
  fake: zmq.Router;
  worker: ChildProcess & { log: string[] };
  /** The worker's ZeroMQ identity, the first frame of every message to it. */
  id: Buffer;
  master: MasterState;
  local: ModelReplica;
  /** The worker's next message whose type is not in `skip`. */
  next(skip?: readonly string[]): Promise<Message>;
  /** Kills the worker if it still runs, and frees everything. */
  close(): void;
}

export async function fakeCoordinator(config: Readonly<Config>): Promise<FakeCoordinator> {
  const fake = new zmq.Router({ linger: 0, mandatory: true });
  await fake.bind('tcp://127.0.0.1:0');
  const worker = startWorker(fake.lastEndpoint as string, 0, { GANYMEDE_TOKEN: 't' });
  const master = MasterState.fresh(config, MNIST_IMAGE);
  const local = new ModelReplica(config);
  const close = () => {
    if (worker.exitCode === null) worker.kill('SIGKILL');
    fake.close();
    master.dispose();
    local.dispose();
  };
  try {
    const [id, ...hello] = await fake.receive();
    assert.equal(decode(hello).header.type, 'HELLO');
    const next = async (skip: readonly string[] = ['HEARTBEAT']): Promise<Message> => {
      for (;;) {
        const [, ...frames] = await fake.receive();
        const msg = decode(frames);
        if (!skip.includes(msg.header.type)) return msg;
      }
    };
    return { fake, worker, id, master, local, next, close };
  } catch (err) {
    close();
    throw err;
  }
}
