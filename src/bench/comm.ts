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

/** A peer process answering on its own ROUTER socket, in one mode. */
interface Peer {
  mode: 'protocol' | 'raw';
  router: zmq.Router;
  id: Buffer;
  exited: Promise<unknown>;
  ipc: string;
}

async function startPeer(transport: 'tcp' | 'ipc', mode: 'protocol' | 'raw'): Promise<Peer> {
  const ipc = path.join(os.tmpdir(), `ganymede-comm-${randomBytes(4).toString('hex')}.ipc`);
  const router = new zmq.Router({ linger: 0, maxMessageSize: -1 });
  await router.bind(transport === 'tcp' ? 'tcp://127.0.0.1:0' : `ipc://${ipc}`);
  const child = spawn(process.execPath, [PEER, router.lastEndpoint as string, mode], { stdio: 'inherit' });
  const exited = new Promise((r) => child.once('exit', r));
  const [id] = await router.receive(); // 'ready'
  return { mode, router, id, exited, ipc };
}

async function stopPeer(p: Peer): Promise<void> {
  await p.router.send([p.id, 'stop']);
  await p.exited;
  p.router.close();
  rmSync(p.ipc, { force: true });
}

/** One round trip of `data` to a peer, in ms. */
async function trip(p: Peer, data: Float32Array, r: number): Promise<number> {
  const t0 = performance.now();
  if (p.mode === 'raw') {
    await p.router.send([p.id, Buffer.from('x'), Buffer.from(data.buffer)]);
    await p.router.receive();
  } else {
    await p.router.send([p.id, ...encode({ type: 'WEIGHTS', run: 'bench', net: 'G', version: r }, [{ name: 'w', dtype: 'float32', shape: [data.length], data }])]);
    const [, ...frames] = await p.router.receive();
    decode(frames);
  }
  return performance.now() - t0;
}

/**
 * Raw and protocol round trips of each size on one transport, alternately (raw, protocol, raw, ...), so that a
 * busy machine slows both alike and their ratio holds; each mode has its own peer process.
 */
async function roundTrips(transport: 'tcp' | 'ipc', sizes: number[], repeats: (bytes: number) => number): Promise<CommRow[]> {
  const peers = [await startPeer(transport, 'raw'), await startPeer(transport, 'protocol')];
  try {
    const rows: CommRow[] = [];
    for (const bytes of sizes) {
      const data = new Float32Array(Math.max(1, Math.round(bytes / 4))).map((_, i) => (i % 1000) / 1000);
      const times = peers.map(() => [] as number[]);
      for (let r = 0; r < repeats(bytes) + 2; r++) {
        for (const [k, p] of peers.entries()) {
          const ms = await trip(p, data, r);
          if (r >= 2) times[k].push(ms); // two warm-up trips
        }
      }
      for (const [k, p] of peers.entries()) {
        const rttMs = median(times[k]);
        rows.push({ transport, mode: p.mode, bytes: data.byteLength, rttMs, bytesPerSec: (2 * data.byteLength) / (rttMs / 1000) });
      }
    }
    return rows;
  } finally {
    for (const p of peers) await stopPeer(p);
  }
}

export async function benchComm(opts: { transports: ('tcp' | 'ipc')[]; sizes: number[]; repeats: number }): Promise<CommRow[]> {
  const rows: CommRow[] = [];
  const repeats = (bytes: number) => (bytes >= 50e6 ? Math.max(3, Math.round(opts.repeats / 4)) : opts.repeats);
  for (const transport of opts.transports) rows.push(...(await roundTrips(transport, opts.sizes, repeats)));
  return rows;
}
