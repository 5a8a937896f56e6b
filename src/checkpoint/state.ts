// Plain-array state (optimizer m/v, EMA copies, ...) as raw little-endian float32 files, indexed by state.json.
import { endianness } from 'node:os';
import { z } from 'zod';
import { CheckpointError } from '../errors.js';
import { checkName } from './layout.js';
import type { NamedArray } from './types.js';

/** The index file: for each state key, its file and where each array lies in it. */
export const STATE_JSON = 'state.json';

const entrySchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  offset: z.number().int().nonnegative(),
  byteLength: z.number().int().nonnegative(),
});
const groupSchema = z.object({
  file: z.string(),
  dtype: z.literal('float32'),
  byteLength: z.number().int().nonnegative(),
  arrays: z.array(entrySchema),
});
/** Schema of state.json: `{ [key]: { file, dtype, byteLength, arrays: [{ name, shape, offset, byteLength }] } }`. */
export const stateIndexSchema = z.record(z.string(), groupSchema);
export type StateGroupIndex = z.infer<typeof groupSchema>;
export type StateIndex = z.infer<typeof stateIndexSchema>;

/** File name of a state key's data. */
export function stateFileName(key: string): string {
  return `${key}.bin`;
}

function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Packs one key's arrays back to back into raw float32 bytes (little-endian on every host, so the file
 * and its hash do not depend on the machine) and describes them for state.json.
 */
export function encodeState(key: string, arrays: NamedArray[]): { bytes: Uint8Array; index: StateGroupIndex } {
  checkName(key, 'state key');
  const names = new Set<string>();
  const entries: StateGroupIndex['arrays'] = [];
  let offset = 0;
  for (const [i, a] of arrays.entries()) {
    const where = `state ${JSON.stringify(key)}[${i}] ${JSON.stringify(a.name)}`;
    if (names.has(a.name)) throw new CheckpointError(`${where}: the name appears twice`);
    names.add(a.name);
    if (!(a.data instanceof Float32Array)) throw new CheckpointError(`${where}: data must be a Float32Array`);
    if (!a.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new CheckpointError(`${where}: bad shape [${a.shape.join(', ')}]`);
    if (elementCount(a.shape) !== a.data.length) {
      throw new CheckpointError(`${where}: shape [${a.shape.join(', ')}] needs ${elementCount(a.shape)} values, data has ${a.data.length}`);
    }
    entries.push({ name: a.name, shape: [...a.shape], offset, byteLength: a.data.byteLength });
    offset += a.data.byteLength;
  }
  const buf = Buffer.alloc(offset);
  for (const [i, a] of arrays.entries()) {
    buf.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), entries[i]!.offset);
  }
  if (endianness() === 'BE') buf.swap32();
  return { bytes: buf, index: { file: stateFileName(key), dtype: 'float32', byteLength: offset, arrays: entries } };
}

/** Unpacks one key's arrays; checks the index against the file so a bad state.json cannot read garbage. */
export function decodeState(key: string, bytes: Uint8Array, index: StateGroupIndex, display: string): NamedArray[] {
  const fail = (why: string): never => {
    throw new CheckpointError(`${display}: ${why}`);
  };
  if (index.file !== stateFileName(key)) fail(`state.json names ${JSON.stringify(index.file)} for key ${JSON.stringify(key)}`);
  if (bytes.byteLength !== index.byteLength) {
    fail(`${bytes.byteLength < index.byteLength ? 'truncated' : 'too long'}: ${bytes.byteLength} of ${index.byteLength} bytes`);
  }
  const out: NamedArray[] = [];
  let expectedOffset = 0;
  for (const e of index.arrays) {
    const count = elementCount(e.shape);
    if (e.offset !== expectedOffset || e.byteLength !== count * 4 || e.offset + e.byteLength > bytes.byteLength) {
      fail(`state.json entry ${JSON.stringify(e.name)} (offset ${e.offset}, ${e.byteLength} bytes, shape [${e.shape.join(', ')}]) does not fit the file`);
    }
    // A fresh buffer per array: aligned for Float32Array, and the caller may keep or mutate it freely.
    const raw = Buffer.from(bytes.subarray(e.offset, e.offset + e.byteLength));
    if (endianness() === 'BE') raw.swap32();
    const data = new Float32Array(count);
    new Uint8Array(data.buffer).set(raw);
    out.push({ name: e.name, shape: [...e.shape], data });
    expectedOffset += e.byteLength;
  }
  if (expectedOffset !== index.byteLength) fail(`state.json entries cover ${expectedOffset} of ${index.byteLength} bytes`);
  return out;
}
