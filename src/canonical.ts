/**
 * Canonical form for user-written JSON (embedded schemas, examples): object keys sorted by code
 * unit, recursively; arrays keep their order because order means something there (`required`,
 * `enum`, `prefixItems`). YAML key order then never changes what emitters produce.
 */
export function canonicalize<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => canonicalize(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) define(out, key, canonicalize((value as Record<string, unknown>)[key]));
  return out as T;
}

/** Sets an own key, even `__proto__` (a plain assignment would change the prototype instead). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Keywords whose value is one subschema, a list of them, or a map of them with no meaningful order. */
const SUBSCHEMA = new Set(['items', 'additionalItems', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties']);
const SUBSCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SUBSCHEMA_MAPS = new Set(['$defs', 'definitions', 'patternProperties', 'dependentSchemas']);

/**
 * Canonical form of a JSON Schema the user wrote (an endpoint's request or response): like
 * `canonicalize`, except that `properties` keep the order the author wrote them in. That order
 * is the meaning: the default hooks build the model's feature row in it, and the generated types
 * and the OpenAPI show fields as written. (A property named like an array index, "0" or "12",
 * comes first in ascending order: JavaScript orders such object keys that way.)
 * @see https://json-schema.org/draft/2020-12/json-schema-core#section-10 (the subschema keywords)
 */
export function canonicalSchema<T>(schema: T): T {
  if (!isObject(schema)) return canonicalize(schema);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema).sort()) {
    const v = schema[key];
    if (key === 'properties' && isObject(v)) {
      const props: Record<string, unknown> = {};
      for (const name of Object.keys(v)) define(props, name, canonicalSchema(v[name]));
      define(out, key, props);
    } else if (SUBSCHEMA_MAPS.has(key) && isObject(v)) {
      const map: Record<string, unknown> = {};
      for (const name of Object.keys(v).sort()) define(map, name, canonicalSchema(v[name]));
      define(out, key, map);
    } else if (SUBSCHEMA.has(key) || (SUBSCHEMA_LISTS.has(key) && Array.isArray(v))) {
      define(out, key, Array.isArray(v) ? v.map((s) => canonicalSchema(s)) : canonicalSchema(v));
    } else define(out, key, canonicalize(v));
  }
  return out as T;
}

/**
 * The one JSON serialization for files mlgen owns (manifest, models.lock.json, --json output):
 * keys sorted recursively, undefined dropped, 2-space indent, one trailing newline.
 */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(canonicalize(value), null, 2)}\n`;
}
