// Canonical JSON for checkpoint files (sorted keys, fixed layout) so equal content gives equal bytes,
// plus the JSON reading and the deep comparison that loading needs.
import { readFile } from 'node:fs/promises';
import { CheckpointError } from '../errors.js';
import { joinPath } from '../json-path.js';

export { firstDifference, type Difference } from '../json-path.js';

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

/** A value for an error message: JSON, shortened; `(absent)` for a missing key. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
