// IDX file reader (the format of MNIST and Fashion-MNIST, http://yann.lecun.com/exdb/mnist/), plain or gzipped.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';

/** A decoded IDX file: the dimensions from its header and its data bytes. */
export interface IdxArray {
  dims: number[];
  dtype: 'uint8';
  /** The data after the header; a view, row-major over dims. */
  data: Uint8Array;
}

// IDX type codes (the third magic byte); only uint8 occurs in the MNIST family, the rest are named for errors.
const DTYPE_NAMES: Record<number, string> = {
  0x08: 'uint8',
  0x09: 'int8',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

/**
 * Reads an IDX file, gunzipping it first when it starts with the gzip magic 1f 8b (whatever its name).
 * Every defect (missing, bad gzip, bad magic, unsupported dtype, truncated or overlong data) is a DataError
 * whose message starts with the file name.
 */
export function readIdx(file: string): IdxArray {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(`${file}: cannot read: ${code ?? (err as Error).message}`, { cause: err });
  }
  return parseIdx(raw, file);
}

/** Decodes IDX bytes (plain or gzipped); `name` is used in error messages. */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  return parsePlainIdx(plainView(isGzip(bytes) ? gunzip(bytes, name) : bytes), name);
}

// A plain Uint8Array over the same memory, never a Buffer: Buffer#slice shares memory where Uint8Array#slice
// copies, and callers of Dataset.images expect the standard behaviour.
function plainView(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** True when the bytes start with the gzip magic. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function gunzip(bytes: Uint8Array, name: string): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new DataError(`${name}: corrupt gzip data: ${(err as Error).message}`, { cause: err });
  }
}

function parsePlainIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length < 4) {
    throw new DataError(`${name}: truncated: ${bytes.length} bytes, an IDX header needs at least 4`);
  }
  const [zero0, zero1, dtypeCode, ndims] = bytes;
  if (zero0 !== 0 || zero1 !== 0) {
    throw new DataError(
      `${name}: not an IDX file: magic ${hex(bytes.subarray(0, 4))}, expected 00 00 08 <ndims> (or gzip 1f 8b)`,
    );
  }
  if (dtypeCode !== 0x08) {
    const known = DTYPE_NAMES[dtypeCode];
    throw new DataError(`${name}: unsupported IDX dtype 0x${byteHex(dtypeCode)}${known ? ` (${known})` : ''}, only 0x08 (uint8)`);
  }
  if (ndims === 0) throw new DataError(`${name}: bad IDX header: 0 dimensions`);
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw new DataError(
      `${name}: truncated: header of ${ndims} dimensions needs ${headerLength} bytes, file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerLength);
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false)); // big-endian, per the format
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerLength;
  if (actual < expected) {
    throw new DataError(`${name}: truncated: header says ${expected} bytes of data (${dims.join('x')}), file has ${actual}`);
  }
  if (actual > expected) {
    throw new DataError(`${name}: wrong length: header says ${expected} bytes of data (${dims.join('x')}), file has ${actual}`);
  }
  return { dims, dtype: 'uint8', data: bytes.subarray(headerLength) };
}

function byteHex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, byteHex).join(' ');
}
