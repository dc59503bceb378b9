/**
 * Valid values of a request schema, as fast-check arbitraries, and the places inside a body where
 * a fuzz case can strike. Covers the JSON Schema keywords request schemas of mlservice.yaml use
 * (type, properties, required, additionalProperties, items, min/maxItems, min/maxLength, pattern,
 * enum, const, minimum/maximum and their exclusive forms, local `$ref`); a schema with nothing
 * recognisable accepts any JSON value, and so does the generator.
 * @see https://json-schema.org/draft/2020-12/json-schema-validation
 */
import fc from 'fast-check';

export type Schema = Record<string, any>;

/** Resolves a local `$ref` (`#/...`) against `root`; other schemas come back as they are. */
export function deref(schema: Schema, root: Schema): Schema {
  let s = schema;
  for (let hops = 0; typeof s.$ref === 'string' && hops < 32; hops++) {
    const ref = s.$ref as string;
    if (!ref.startsWith('#')) throw new Error(`fuzz: only local $refs are supported, got ${ref}`);
    s = ref
      .slice(1)
      .split('/')
      .filter(Boolean)
      .reduce<any>((node, token) => node?.[token.replace(/~1/g, '/').replace(/~0/g, '~')], root);
    if (s === undefined) throw new Error(`fuzz: unresolvable $ref ${ref}`);
  }
  return s;
}

export function typeOf(schema: Schema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t: string) => t !== 'null');
  if (typeof schema.type === 'string') return schema.type;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return undefined;
}

/** Typical magnitudes: valid bodies should be answered 200, so extremes are left to the numeric cases. */
const TYPICAL = 1e6;

function lower(schema: Schema): number | undefined {
  if (typeof schema.exclusiveMinimum === 'number') return schema.exclusiveMinimum;
  return typeof schema.minimum === 'number' ? schema.minimum : undefined;
}

function upper(schema: Schema): number | undefined {
  if (typeof schema.exclusiveMaximum === 'number') return schema.exclusiveMaximum;
  return typeof schema.maximum === 'number' ? schema.maximum : undefined;
}

function numberArb(schema: Schema, integer: boolean): fc.Arbitrary<number> {
  const lo = lower(schema);
  const hi = upper(schema);
  const min = lo ?? (hi !== undefined ? Math.max(hi - TYPICAL, -TYPICAL) : -TYPICAL);
  const max = hi ?? min + 2 * TYPICAL;
  if (integer) {
    const arb = fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
    return arb.filter((n) => n !== schema.exclusiveMinimum && n !== schema.exclusiveMaximum);
  }
  return fc
    .double({ min, max, noNaN: true, noDefaultInfinity: true })
    .map((n) => n + 0) // -0 is written "0" by JSON.stringify anyway
    .filter((n) => n !== schema.exclusiveMinimum && n !== schema.exclusiveMaximum);
}

function stringArb(schema: Schema): fc.Arbitrary<string> {
  if (typeof schema.pattern === 'string') {
    const re = new RegExp(schema.pattern, 'u');
    const bounded = (s: string) => [...s].length >= (schema.minLength ?? 0) && [...s].length <= (schema.maxLength ?? Infinity);
    return fc.stringMatching(re).filter(bounded);
  }
  // ajv counts code points (ucs2length); fast-check's `binary` unit is one code point.
  const maxLength = Math.min(schema.maxLength ?? 24, Math.max(schema.minLength ?? 0, 24));
  return fc.string({ unit: 'binary', minLength: schema.minLength ?? 0, maxLength });
}

/** Valid values of `schema`: the types, bounds, enums and patterns it states. */
export function validValue(schema: Schema, root: Schema, depth = 0): fc.Arbitrary<unknown> {
  const s = deref(schema, root);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  switch (typeOf(s)) {
    case 'object':
      return objectArb(s, root, depth);
    case 'array': {
      const minLength = s.minItems ?? 0;
      const maxLength = Math.min(s.maxItems ?? minLength + 6, minLength + 6);
      return fc.array(s.items ? validValue(s.items, root, depth + 1) : fc.jsonValue({ maxDepth: 2 }), { minLength, maxLength });
    }
    case 'string':
      return stringArb(s);
    case 'integer':
      return numberArb(s, true);
    case 'number':
      return numberArb(s, false);
    case 'boolean':
      return fc.boolean();
    default:
      return fc.jsonValue({ maxDepth: Math.max(0, 2 - depth) });
  }
}

function objectArb(s: Schema, root: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const props = (s.properties ?? {}) as Record<string, Schema>;
  const required = new Set<string>(s.required ?? []);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, sub] of Object.entries(props)) model[k] = validValue(sub, root, depth + 1);
  // Required properties the schema does not describe take any value.
  for (const k of required) model[k] ??= fc.jsonValue({ maxDepth: 1 });
  // fc.record leaves optional keys out at random and keeps the schema's key order.
  return fc.record(model, { requiredKeys: [...required] });
}

/** A place in a body: its JSON Pointer, the schema that governs it (if any) and the value there. */
export interface Spot {
  pointer: string;
  schema: Schema | undefined;
  value: unknown;
  /** The object holding this spot and the key in it (absent for the root and array items). */
  parent?: { schema: Schema; key: string };
}

export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Every place in `value` (root first, then depth-first in document order), paired with its schema. */
export function spots(value: unknown, schema: Schema | undefined, root: Schema, at = '', out: Spot[] = [], parent?: Spot['parent']): Spot[] {
  const s = schema === undefined ? undefined : deref(schema, root);
  out.push({ pointer: at, schema: s, value, ...(parent ? { parent } : {}) });
  if (Array.isArray(value)) {
    value.forEach((v, i) => spots(v, s?.items, root, `${at}/${i}`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const sub = s?.properties?.[k] ?? (typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined);
      spots(v, sub, root, `${at}/${pointerToken(k)}`, out, s ? { schema: s, key: k } : undefined);
    }
  }
  return out;
}
