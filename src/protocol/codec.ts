// Encoding and validation of multipart messages: the only code that knows the bytes on the wire.
import { nativeVector, NATIVE_VECTOR_MIN, type KernelChoice } from '../backend/openblas-addon.js';
import { ProtocolError } from '../errors.js';
import { fromBfloat16 } from './bfloat16.js';
import { fromFloat16 } from './float16.js';
import { headerSchema, PROTOCOL_VERSION, type Header, type OutgoingHeader, type TensorSpec } from './messages.js';

/** A tensor travelling with a message. */
export interface WireTensor {
  name: string;
  /** bfloat16 and float16 travel as their bit patterns (Uint16Array) and are decoded into float32. */
  dtype: 'float32' | 'uint8' | 'bfloat16' | 'float16';
  shape: number[];
  data: Float32Array | Uint8Array | Uint16Array;
}

export interface Message {
  header: Header;
  tensors: WireTensor[];
}

const BYTES = { float32: 4, uint8: 1, bfloat16: 2, float16: 2 } as const;

function elements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Little-endian bytes of a typed array without copying (every platform Node runs on here is little-endian). */
function bytesOf(data: Float32Array | Uint8Array | Uint16Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Encodes a header and its tensors into frames: [JSON header, tensor 0, tensor 1, ...]. */
export function encode(header: OutgoingHeader, tensors: readonly WireTensor[] = []): Buffer[] {
  const specs: TensorSpec[] = tensors.map((t) => {
    if (t.data.length !== elements(t.shape)) {
      throw new ProtocolError(`encode ${header.type}: tensor ${t.name} has ${t.data.length} values for shape [${t.shape}]`);
    }
    return { name: t.name, dtype: t.dtype, shape: t.shape };
  });
  const json = JSON.stringify({ v: PROTOCOL_VERSION, ...header, tensors: specs });
  return [Buffer.from(json, 'utf8'), ...tensors.map((t) => bytesOf(t.data))];
}

/**
 * Decodes and checks a message: JSON, schema, version, tensor count, byte sizes, and (for float tensors)
 * that every value is finite. Any failure is a ProtocolError saying what is wrong.
 */
export function decode(frames: readonly Buffer[], options: { checkFinite?: boolean } = {}): Message {
  if (frames.length === 0) throw new ProtocolError('empty message');
  let json: unknown;
  try {
    json = JSON.parse(frames[0].toString('utf8'));
  } catch {
    throw new ProtocolError('header is not JSON');
  }
  if (json && typeof json === 'object' && 'v' in json && json.v !== PROTOCOL_VERSION) {
    throw new ProtocolError(`protocol version ${String(json.v)} not supported (this build speaks ${PROTOCOL_VERSION})`);
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const type = json && typeof json === 'object' && 'type' in json ? String(json.type) : '?';
    throw new ProtocolError(`bad ${type} header: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  const header = parsed.data;
  if (frames.length - 1 !== header.tensors.length) {
    throw new ProtocolError(`${header.type}: header lists ${header.tensors.length} tensors, message has ${frames.length - 1} frames`);
  }
  const tensors = header.tensors.map((spec, i) => decodeTensor(header.type, spec, frames[i + 1], options.checkFinite ?? true));
  return { header, tensors };
}

function decodeTensor(type: string, spec: TensorSpec, frame: Buffer, checkFinite: boolean): WireTensor {
  const expected = elements(spec.shape) * BYTES[spec.dtype];
  if (frame.byteLength !== expected) {
    throw new ProtocolError(`${type}: tensor ${spec.name} [${spec.shape}] ${spec.dtype} needs ${expected} bytes, frame has ${frame.byteLength}`);
  }
  // A view on the frame when it is 4-byte aligned (the usual case: no copy, no garbage); a copy otherwise.
  const aligned = frame.byteOffset % 4 === 0;
  const bytes = aligned ? new Uint8Array(frame.buffer, frame.byteOffset, expected) : Uint8Array.from(frame);
  if (spec.dtype === 'uint8') return { ...spec, data: bytes };
  // bfloat16 and float16 are widened to float32 here: past the decoder every float tensor is float32.
  const half = () => new Uint16Array(bytes.buffer, bytes.byteOffset, expected / 2);
  const data = spec.dtype === 'bfloat16' ? fromBfloat16(half()) : spec.dtype === 'float16' ? fromFloat16(half()) : new Float32Array(bytes.buffer, bytes.byteOffset, expected / 4);
  if (checkFinite) {
    if (!allFinite(data)) {
      const at = data.findIndex((x) => !Number.isFinite(x));
      throw new ProtocolError(`${type}: tensor ${spec.name} holds a non-finite value at ${at}`);
    }
  }
  return { ...spec, dtype: 'float32', data };
}

/** The type and run a message's JSON header claims, unvalidated: a cheap first look before decode(). */
export function peekHeader(frames: readonly Buffer[]): { type?: unknown; run?: unknown } | undefined {
  if (frames.length === 0 || frames[0].byteLength > 64 * 1024) return undefined;
  try {
    const h: unknown = JSON.parse(frames[0].toString('utf8'));
    return h !== null && typeof h === 'object' ? (h as { type?: unknown; run?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether frames claim to be an ERROR message (checked without full validation: never answer one with another). */
export function isError(frames: readonly Buffer[]): boolean {
  return peekHeader(frames)?.type === 'ERROR';
}

/**
 * Whether every value is finite. The workers and the coordinator check every tensor they receive or compute, so
 * a large array goes to the native addon's loop when it is built (native/vector.cc); `kernel: 'js'` always
 * runs the JS loop (for comparisons). In JS: x * 0 is 0 for every finite x and NaN for NaN and +-Infinity, so one
 * sum tells; four independent sums, so the adds need not wait for each other (about 3x faster than one).
 */
export function allFinite(a: Float32Array, kernel: KernelChoice = 'auto'): boolean {
  const native = kernel === 'auto' && a.length >= NATIVE_VECTOR_MIN ? nativeVector() : undefined;
  if (native) return native.allFinite(a);
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  const n = a.length - (a.length % 4);
  for (let i = 0; i < n; i += 4) {
    p0 += a[i] * 0;
    p1 += a[i + 1] * 0;
    p2 += a[i + 2] * 0;
    p3 += a[i + 3] * 0;
  }
  for (let i = n; i < a.length; i++) p0 += a[i] * 0;
  return p0 + p1 + p2 + p3 === 0;
}
