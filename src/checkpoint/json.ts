// Canonical JSON for checkpoint files (sorted keys, fixed layout) so equal content gives equal bytes,
// plus the JSON reading and the deep comparison that loading needs.
import { readFile } from 'node:fs/promises';
import { CheckpointError } from '../errors.js';

/** A key path as users write config keys: `train.batchSize`, `layers[2].units`, `a["odd key"]`. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isPrimitive(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}

function write(value: unknown, path: string, indent: string, what: string): string {
  const fail = (why: string): never => {
    throw new CheckpointError(`${what}: ${path === '' ? '(root)' : path}: ${why}`);
  };
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      // JSON.stringify would write NaN/Infinity as null: a silent change we refuse.
      if (!Number.isFinite(value)) fail(`${value} cannot be stored in JSON`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      return fail(`${value === undefined ? 'undefined' : `a ${typeof value}`} cannot be stored in JSON`);
  }
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    const items = value.map((item: unknown, i) => {
      if (item === undefined) fail(`[${i}] is undefined`);
      return write(item, joinPath(path, i), inner, what);
    });
    if (items.length === 0) return '[]';
    // Short arrays of scalars (shapes, offsets) stay on one line; that keeps state.json readable.
    if (value.every(isPrimitive)) return `[${items.join(', ')}]`;
    return `[\n${items.map((s) => inner + s).join(',\n')}\n${indent}]`;
  }
  if (!isPlainObject(value)) return fail(`a ${describe(value)} is not a plain JSON object`);
  // undefined-valued keys are left out, as JSON.stringify does: zod's optional keys come out that way.
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
  if (keys.length === 0) return '{}';
  const entries = keys.map((k) => `${inner}${JSON.stringify(k)}: ${write(value[k], joinPath(path, k), inner, what)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}

/**
 * Serializes `value` with sorted keys and 2-space indent, ending in a newline. Throws a CheckpointError
 * naming `what` and the key path for anything JSON cannot hold exactly (NaN, Infinity, class instances,
 * typed arrays, functions, bigint).
 */
export function canonicalJson(value: unknown, what: string): string {
  return write(value, '', '', what) + '\n';
}

/** Reads and parses a JSON file; a missing or unparsable file is a CheckpointError naming `display`. */
export async function readJsonFile(file: string, display: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CheckpointError(`${display}: ${code === 'ENOENT' ? 'missing' : `cannot be read (${code ?? String(err)})`}`, {
      cause: err,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CheckpointError(`${display}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

/** Where two JSON values first differ, in sorted key order; `undefined` values mean the key is absent. */
export interface Difference {
  path: string;
  a: unknown;
  b: unknown;
}

/** The first difference between two parsed JSON values, or undefined when they are deep-equal. */
export function firstDifference(a: unknown, b: unknown, path = ''): Difference | undefined {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], joinPath(path, i));
      if (d !== undefined) return d;
    }
    return undefined;
  }
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = firstDifference(a[k], b[k], joinPath(path, k));
      if (d !== undefined) return d;
    }
    return undefined;
  }
  return a === b ? undefined : { path: path === '' ? '(root)' : path, a, b };
}

/** A value for an error message: JSON, shortened; `(absent)` for a missing key. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
