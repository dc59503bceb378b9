/**
 * Canonical form for user-written JSON (embedded schemas, examples): object keys sorted by code
 * unit, recursively; arrays keep their order because order means something there (`required`,
 * `enum`, `prefixItems`). YAML key order then never changes what emitters produce.
 */
export function canonicalize<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => canonicalize(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = canonicalize((value as Record<string, unknown>)[key]);
  return out as T;
}

/**
 * The one JSON serialization for files mlgen owns (manifest, models.lock.json, --json output):
 * keys sorted recursively, undefined dropped, 2-space indent, one trailing newline.
 */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(canonicalize(value), null, 2)}\n`;
}
