/**
 * Path-level differences between two plain-data trees (dyff-style): `kubernetes.replicas.min 2 -> 3`.
 * Arrays are compared as whole values, so a reordered list shows as one change.
 */

export interface LeafChange {
  /** Dotted path relative to the compared roots, e.g. `kubernetes.replicas.min`. */
  path: string;
  /** JSON Pointer form of `path`, e.g. `/kubernetes/replicas/min`. */
  pointer: string;
  before: unknown;
  after: unknown;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function leafChanges(before: unknown, after: unknown, path = '', pointer = ''): LeafChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => leafChanges(before[k], after[k], path === '' ? k : `${path}.${k}`, `${pointer}/${escapePointer(k)}`));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, pointer, before, after }];
}

/** A value as a reviewer reads it: bare when unambiguous, JSON otherwise, `(unset)` when absent. */
export function showValue(v: unknown): string {
  if (v === undefined) return '(unset)';
  if (typeof v === 'string' && /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/.test(v)) return v;
  return JSON.stringify(v);
}

export function describeLeaf(c: LeafChange): string {
  return `${c.path} ${showValue(c.before)} -> ${showValue(c.after)}`;
}
