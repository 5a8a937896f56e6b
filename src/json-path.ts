// Key paths into plain JSON values (`train.batchSize`, `shape[0]`) and the first difference between two values.

/** A key path as users write config keys: `train.batchSize`, `layers[2].units`, `a["odd key"]`. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
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
