// `ganymede bench comm`: what the protocol costs on the wire with no compute. For each gradient size the
// coordinator side sends WEIGHTS of that size to a peer process and waits for GRADS of the same size (both
// encoded, decoded and validated as in training), against a raw ZeroMQ round trip of the same bytes on the
// same transport, which is the limit.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as zmq from 'zeromq';
import { decode, encode } from '../protocol/index.js';

const PEER = fileURLToPath(new URL('./comm-peer.js', import.meta.url));

export interface CommRow {
  transport: 'tcp' | 'ipc';
  mode: 'protocol' | 'raw';
  bytes: number;
  /** Median round trip, ms. */
  rttMs: number;
  /** Bytes moved per second, both directions counted (2 x bytes / rtt). */
  bytesPerSec: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function roundTrips(transport: 'tcp' | 'ipc', mode: 'protocol' | 'raw', sizes: number[], repeats: number): Promise<CommRow[]> {
  const ipc = path.join(os.tmpdir(), `ganymede-comm-${randomBytes(4).toString('hex')}.ipc`);
  const router = new zmq.Router({ linger: 0, maxMessageSize: -1 });
  await router.bind(transport === 'tcp' ? 'tcp://127.0.0.1:0' : `ipc://${ipc}`);
  const peer = spawn(process.execPath, [PEER, router.lastEndpoint as string, mode], { stdio: 'inherit' });
  try {
    const [id] = await router.receive(); // 'ready'
    const rows: CommRow[] = [];
    for (const bytes of sizes) {
      const data = new Float32Array(Math.max(1, Math.round(bytes / 4))).map((_, i) => (i % 1000) / 1000);
      const times: number[] = [];
      for (let r = 0; r < repeats + 2; r++) {
        const t0 = performance.now();
        if (mode === 'raw') {
          await router.send([id, Buffer.from('x'), Buffer.from(data.buffer)]);
          await router.receive();
        } else {
          await router.send([id, ...encode({ type: 'WEIGHTS', run: 'bench', net: 'G', version: r }, [{ name: 'w', dtype: 'float32', shape: [data.length], data }])]);
          const [, ...frames] = await router.receive();
          decode(frames);
        }
        if (r >= 2) times.push(performance.now() - t0); // two warm-up trips
      }
      const rttMs = median(times);
      rows.push({ transport, mode, bytes: data.byteLength, rttMs, bytesPerSec: (2 * data.byteLength) / (rttMs / 1000) });
    }
    await router.send([id, 'stop']);
    return rows;
  } finally {
    await new Promise((r) => (peer.exitCode !== null ? r(null) : peer.once('exit', r)));
    router.close();
    rmSync(ipc, { force: true });
  }
}

export async function benchComm(opts: { transports: ('tcp' | 'ipc')[]; sizes: number[]; repeats: number }): Promise<CommRow[]> {
  const rows: CommRow[] = [];
  for (const transport of opts.transports) {
    for (const mode of ['raw', 'protocol'] as const) {
      const repeats = (bytes: number) => (bytes >= 50e6 ? Math.max(3, Math.round(opts.repeats / 4)) : opts.repeats);
      for (const bytes of opts.sizes) rows.push(...(await roundTrips(transport, mode, [bytes], repeats(bytes))));
    }
  }
  return rows;
}
