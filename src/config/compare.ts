// Which config keys change a run's result: a resumed run may change how long it trains and where, never what.
import { firstDifference, type Difference } from '../json-path.js';
import type { Config } from './schema.js';

/** Key paths (or prefixes ending in '.') that a resumed run may change. */
export const RESUMABLE_KEYS = [
  'name', 'train.steps', 'train.logEvery', 'train.sampleEvery', 'train.checkpointEvery', 'train.keepCheckpoints', 'train.onNonFinite',
  'train.maxRollbacks', 'cluster.', 'backend', 'eval', 'eval.',
];

export function isResumable(key: string): boolean {
  return RESUMABLE_KEYS.some((k) => (k.endsWith('.') ? key.startsWith(k) : key === k));
}

/** The part of a config that decides the result: a copy without the keys a resumed run may change. */
function resultPart(value: unknown, at = ''): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const path = at ? `${at}.${k}` : k;
    if (!isResumable(path)) out[k] = resultPart(v, path);
  }
  return out;
}

/** The first key path where two configs differ in a key that decides the result, or undefined. */
export function resultDifference(a: Readonly<Config> | unknown, b: Readonly<Config> | unknown): Difference | undefined {
  return firstDifference(resultPart(a), resultPart(b));
}
