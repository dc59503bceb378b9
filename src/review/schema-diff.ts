/**
 * Compares two JSON Schemas (2020-12, as embedded in OpenAPI 3.1) and classifies each difference
 * for existing clients. A request schema may widen (accept more) but not narrow; a response schema
 * may narrow (promise more) but not widen. Keywords this differ does not understand are reported
 * and treated as breaking, so an unclassified change never passes silently.
 *
 * @see https://json-schema.org/draft/2020-12/json-schema-validation
 */
import { quote, valueChanges, type Schema } from './value-diff.js';

export type { Schema };

export type Direction = 'request' | 'response';

export interface SchemaChange {
  /** `body`, `device`, `history[]`, `user.address.city`. */
  field: string;
  breaking: boolean;
  text: string;
}

/** Follows `$ref` within the schema's own document; returns `{}` for anything unresolvable. */
export type Resolver = (schema: unknown) => Schema;

interface Ctx {
  direction: Direction;
  before: Resolver;
  after: Resolver;
  seen: Set<string>;
  out: SchemaChange[];
}

/** Annotations and structure this differ walks itself; any other keyword is compared as a whole. */
const HANDLED = new Set([
  'type',
  'enum',
  'const',
  'pattern',
  'format',
  'uniqueItems',
  'additionalProperties',
  'properties',
  'required',
  'items',
  'maximum',
  'exclusiveMaximum',
  'maxLength',
  'maxItems',
  'maxProperties',
  'minimum',
  'exclusiveMinimum',
  'minLength',
  'minItems',
  'minProperties',
  '$ref',
  '$defs',
  'description',
  'title',
  'examples',
  'example',
  'default',
  '$comment',
  'deprecated',
  'readOnly',
  'writeOnly',
]);

function fieldName(parent: string, prop: string): string {
  return parent === 'body' ? prop : `${parent}.${prop}`;
}

/** A change in the set of accepted values: narrowing breaks requests, widening breaks responses. */
function add(ctx: Ctx, field: string, change: { narrows: boolean; widens: boolean; text: string }): void {
  const breaking = ctx.direction === 'request' ? change.narrows : change.widens;
  ctx.out.push({ field, breaking, text: change.text });
}

function isClosed(s: Schema): boolean {
  return s.additionalProperties === false || s.unevaluatedProperties === false;
}

function diffProperties(b: Schema, a: Schema, field: string, ctx: Ctx): void {
  const bp = (b.properties ?? {}) as Record<string, unknown>;
  const ap = (a.properties ?? {}) as Record<string, unknown>;
  const breq = new Set((b.required ?? []) as string[]);
  const areq = new Set((a.required ?? []) as string[]);
  const req = ctx.direction === 'request';
  for (const name of Object.keys(bp)) {
    const f = fieldName(field, name);
    if (!(name in ap)) {
      const breaking = req ? isClosed(a) : true;
      ctx.out.push({ field: f, breaking, text: `field ${quote(f)} removed` });
      continue;
    }
    if (!breq.has(name) && areq.has(name)) ctx.out.push({ field: f, breaking: req, text: `field ${quote(f)} now required` });
    if (breq.has(name) && !areq.has(name)) ctx.out.push({ field: f, breaking: !req, text: `field ${quote(f)} no longer required` });
    walk(bp[name], ap[name], f, ctx);
  }
  for (const name of Object.keys(ap)) {
    if (name in bp) continue;
    const f = fieldName(field, name);
    if (req && areq.has(name)) ctx.out.push({ field: f, breaking: true, text: `new required field ${quote(f)}` });
    else ctx.out.push({ field: f, breaking: false, text: `field ${quote(f)} added${req ? ' (optional)' : ''}` });
  }
}

function diffAdditional(b: Schema, a: Schema, field: string, ctx: Ctx): void {
  const bc = b.additionalProperties === false;
  const ac = a.additionalProperties === false;
  if (!bc && ac) add(ctx, field, { narrows: true, widens: false, text: `${quote(field)} no longer accepts unknown fields` });
  if (bc && !ac) add(ctx, field, { narrows: false, widens: true, text: `${quote(field)} accepts unknown fields` });
}

function diffUnknownKeywords(b: Schema, a: Schema, field: string, ctx: Ctx): void {
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !HANDLED.has(k));
  for (const key of keys) {
    if (JSON.stringify(b[key]) === JSON.stringify(a[key])) continue;
    ctx.out.push({ field, breaking: true, text: `${quote(field)} keyword ${key} changed (not classified, treated as breaking)` });
  }
  const objectAdditional = [b.additionalProperties, a.additionalProperties].some((v) => typeof v === 'object' && v !== null);
  if (objectAdditional && JSON.stringify(b.additionalProperties) !== JSON.stringify(a.additionalProperties)) {
    ctx.out.push({ field, breaking: true, text: `${quote(field)} keyword additionalProperties changed (not classified, treated as breaking)` });
  }
}

function pairKey(b: unknown, a: unknown): string | undefined {
  const br = (b as Schema | undefined)?.$ref;
  const ar = (a as Schema | undefined)?.$ref;
  return typeof br === 'string' || typeof ar === 'string' ? `${String(br)}\n${String(ar)}` : undefined;
}

function walk(rawB: unknown, rawA: unknown, field: string, ctx: Ctx): void {
  const key = pairKey(rawB, rawA);
  if (key !== undefined) {
    // Recursive schemas: compare each pair of references once.
    if (ctx.seen.has(key)) return;
    ctx.seen.add(key);
  }
  const b = ctx.before(rawB);
  const a = ctx.after(rawA);
  for (const change of valueChanges(b, a, field)) add(ctx, field, change);
  diffAdditional(b, a, field, ctx);
  diffProperties(b, a, field, ctx);
  if (b.items !== undefined || a.items !== undefined) walk(b.items ?? {}, a.items ?? {}, `${field}[]`, ctx);
  diffUnknownKeywords(b, a, field, ctx);
}

/** Every classified difference between two versions of one request or response body schema. */
export function diffSchemas(before: unknown, after: unknown, direction: Direction, resolve: { before: Resolver; after: Resolver }): SchemaChange[] {
  const ctx: Ctx = { direction, before: resolve.before, after: resolve.after, seen: new Set(), out: [] };
  walk(before, after, 'body', ctx);
  return ctx.out;
}
