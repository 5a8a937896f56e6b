// Config loading: YAML file -> --set overrides -> zod schema -> frozen object. Errors name the key path.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type Config } from './schema.js';
import { checkConsistency } from './consistency.js';

type Raw = Record<string, unknown>;

/** Reads a YAML recipe; a missing file or bad YAML is a ConfigError naming the file. */
export function readConfigFile(file: string): Raw {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read config: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${file}: the top level must be a mapping`);
  return doc as Raw;
}

/** Applies `key.path=value` overrides; values are parsed as YAML scalars or flow collections (`[1, 2]`). */
export function applyOverrides(raw: Raw, overrides: readonly string[]): Raw {
  const out = structuredClone(raw);
  for (const item of overrides) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set ${item}: expected key.path=value`);
    const path = item.slice(0, eq).split('.');
    if (path.some((p) => p === '')) throw new ConfigError(`--set ${item}: empty key in "${item.slice(0, eq)}"`);
    let value: unknown;
    try {
      value = YAML.parse(item.slice(eq + 1));
    } catch {
      throw new ConfigError(`--set ${item}: value is not valid YAML`);
    }
    let node: Raw = out;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (next === undefined || next === null) node[key] = {};
      else if (typeof next !== 'object' || Array.isArray(next)) {
        throw new ConfigError(`--set ${item}: ${key} is not a section`);
      }
      node = node[key] as Raw;
    }
    node[path[path.length - 1]] = value;
  }
  return out;
}

function describeIssue(issue: z.core.$ZodIssue, source: string): string {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path ? `${path}.${k}` : k));
    return `${source}: unknown key ${keys.join(', ')}`;
  }
  return `${source}: ${path || '(top level)'}: ${issue.message}`;
}

/** Validates a raw config; the first problem becomes a ConfigError naming its key path. */
export function resolveConfig(raw: Raw, source = 'config'): Readonly<Config> {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new ConfigError(describeIssue(issues[0], source) + more);
  }
  checkConsistency(parsed.data, source);
  return deepFreeze(parsed.data);
}

/** File (optional) + overrides -> the resolved, frozen config. */
export function loadConfig(file: string | undefined, overrides: readonly string[] = []): Readonly<Config> {
  const raw = file ? readConfigFile(file) : {};
  return resolveConfig(applyOverrides(raw, overrides), file ?? 'config (defaults + --set)');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
