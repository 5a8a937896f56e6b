// Message generators for the fuzz tests: random frames, random headers of every type, and mutations of a
// real message (truncated, padded, wrong version or run, huge shapes, flipped bytes, NaN tensors).
import { MessageType } from '../../src/protocol/index.js';

export type Rand = () => number;

export function rng(seed: number): Rand {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const bytes = (r: Rand, n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));

/** A header of a random type with random (often wrong) fields, and random tensor frames. */
export function randomMessage(r: Rand, run: string): Buffer[] {
  const type = pick(r, [...Object.values(MessageType), 'BOGUS']);
  const anyValue = () => pick(r, [0, -1, 1e308, 'x', null, [], {}, true, Number.MAX_SAFE_INTEGER, run]);
  const header: Record<string, unknown> = { v: pick(r, [1, 1, 1, 2, 0, '1']), type, run: pick(r, [run, '', 'other']) };
  for (const key of ['round', 'step', 'phase', 'tag', 'token', 'rank', 'pid', 'host', 'net', 'version', 'blocks', 'block', 'stats', 'computeMs', 'versions', 'shardSize', 'code', 'message', 'reason', 'config']) {
    if (r() < 0.4) header[key] = anyValue();
  }
  if (r() < 0.3) header.block = { lo: Math.floor(r() * 10), n: 1 + Math.floor(r() * 4) };
  const frames = Math.floor(r() * 3);
  header.tensors = Array.from({ length: frames }, (_, i) => ({
    name: `t${i}`, dtype: pick(r, ['float32', 'uint8', 'int64']), shape: pick(r, [[4], [1e9, 1e9], [-1], [2, 2], []]),
  }));
  const raw = r() < 0.1 ? bytes(r, Math.floor(r() * 64)) : Buffer.from(JSON.stringify(header));
  return [raw, ...Array.from({ length: frames + (r() < 0.2 ? 1 : 0) }, () => bytes(r, pick(r, [0, 3, 16, 64])))];
}

/**
 * Mutations of a real message: invalid ones (wrong version or run, unknown keys, truncated, padded, huge
 * shapes, NaN floats), and a flipped byte, which now and then yields a valid message of different content.
 */
export function mutants(r: Rand, frames: readonly Buffer[]): Buffer[][] {
  const header = JSON.parse(frames[0].toString()) as Record<string, unknown> & { tensors: { shape: number[] }[] };
  const withHeader = (h: object, rest = frames.slice(1)) => [Buffer.from(JSON.stringify(h)), ...rest];
  const out: Buffer[][] = [
    withHeader({ ...header, v: 2 }),
    withHeader({ ...header, run: 'not-this-run' }),
    withHeader({ ...header, extra: 1 }),
    [Buffer.from(frames[0].subarray(0, Math.floor(frames[0].length / 2)))],
    [frames[0], ...frames.slice(1), Buffer.alloc(8)],
    [bytes(r, 40)],
  ];
  if (frames.length > 1) {
    out.push(frames.slice(0, -1)); // a tensor frame missing
    out.push([frames[0], ...frames.slice(1).map((f) => f.subarray(0, f.length - 4))]); // truncated tensors
    out.push(withHeader({ ...header, tensors: header.tensors.map((t) => ({ ...t, shape: [1e9, 1e9] })) }));
    const first = header.tensors[0] as { dtype?: string };
    if (first.dtype === 'float32' && frames[1].length >= 4) {
      const poisoned = Buffer.from(frames[1]);
      poisoned.writeFloatLE(Number.NaN, 0);
      out.push([frames[0], poisoned, ...frames.slice(2)]);
    }
  }
  const flipped = Buffer.from(frames[0]);
  flipped[Math.floor(r() * flipped.length)] ^= 0x5a;
  out.push([flipped, ...frames.slice(1)]);
  return out;
}
