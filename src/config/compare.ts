// Which config keys change a run's result: a resumed run may change how long it trains and where, never what.
import type { Config } from './schema.js';

/** Key paths (or prefixes ending in '.') that a resumed run may change. */
export const RESUMABLE_KEYS = ['name', 'train.steps', 'train.logEvery', 'train.sampleEvery', 'train.checkpointEvery', 'train.keepCheckpoints', 'cluster.', 'backend'];

export function isResumable(key: string): boolean {
  return RESUMABLE_KEYS.some((k) => (k.endsWith('.') ? key.startsWith(k) : key === k));
}

/** The first key path where two configs differ in a key that decides the result, or undefined. */
export function resultDifference(a: Readonly<Config> | unknown, b: Readonly<Config> | unknown, at = ''): { path: string; a: unknown; b: unknown } | undefined {
  if (at && isResumable(at)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = resultDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k);
      if (d) return d;
    }
    return undefined;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? undefined : { path: at || '(top level)', a, b };
}
