/**
 * Fuzz cases for one endpoint, from its OpenAPI request schema: a valid body from the schema, then
 * (but for `valid`) one hostile change at one place in it. Each case records that place, so the
 * judge can demand that a 400 names it. Seeded: the same seed gives the same bodies every run.
 */
import fc from 'fast-check';
import { CONTENT_TYPES, HOSTILE_KEYS, HOSTILE_KEY_VALUES, MALFORMED_BODIES, NUMERIC_EXTREMES, TYPE_CONFUSED, UNICODE_STRINGS, nested } from './hostile-values.js';
import { spots, typeOf, validValue, type Schema, type Spot } from './schema-values.js';

export const CATEGORIES = ['valid', 'boundary', 'type-confused', 'missing-required', 'unknown-key', 'numeric-extreme', 'unicode', 'huge', 'deep-nesting', 'malformed'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface FuzzCase {
  category: Category;
  /** What was done where, for failure reports. */
  label: string;
  body: string | Uint8Array;
  contentType: string;
  /** Pointer of the one field the case changed; null when no single field is at fault. */
  at: string | null;
}

export interface EndpointTarget {
  path: string;
  schema: Schema;
  /** The OpenAPI document, for `$ref`s. */
  root: Schema;
  bodyLimitBytes: number;
}

const MARK = '\u0000fuzz\u0000';

/** `base` as JSON text with the value at `pointer` replaced by the raw JSON text `raw`. */
export function withRaw(base: unknown, pointer: string, raw: string): string {
  if (pointer === '') return raw;
  const copy = structuredClone(base);
  const tokens = pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = tokens.pop()!;
  const holder = tokens.reduce<any>((node, t) => node[t], copy);
  Object.defineProperty(holder, last, { value: MARK, enumerable: true, writable: true, configurable: true });
  return JSON.stringify(copy).replace(JSON.stringify(MARK), () => raw);
}

/** `base` as JSON text with `key: raw` added to the object at `pointer` (own property, even `__proto__`). */
function withKey(base: unknown, pointer: string, key: string, raw: string): string {
  const at = pointer === '' ? '' : pointer;
  return withRaw(base, `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, raw);
}

function withoutKey(base: unknown, spot: Spot): string {
  const copy = structuredClone(base) as Record<string, unknown>;
  const tokens = spot.pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = tokens.pop()!;
  delete tokens.reduce<any>((node, t) => node[t], copy)[last];
  return JSON.stringify(copy);
}

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length]!;
const json = (category: Category, label: string, body: string | Uint8Array, at: string | null): FuzzCase => ({ category, label, body, contentType: 'application/json', at });

/** Values at and just past the bounds the schema at `spot` states, as raw JSON texts. */
function boundaryTexts(s: Schema, value: unknown): string[] {
  const out: string[] = [];
  const type = typeOf(s);
  if (type === 'array') {
    const item = Array.isArray(value) && value.length > 0 ? value[0] : null;
    for (const n of [s.minItems, s.maxItems].filter((x): x is number => typeof x === 'number')) {
      for (const len of [n - 1, n, n + 1].filter((l) => l >= 0)) out.push(JSON.stringify(Array.from({ length: len }, () => item)));
    }
    out.push('[]');
  } else if (type === 'string') {
    for (const n of [s.minLength, s.maxLength].filter((x): x is number => typeof x === 'number')) {
      for (const len of [n - 1, n, n + 1].filter((l) => l >= 0)) out.push(JSON.stringify('x'.repeat(len)), JSON.stringify('\u{1F600}'.repeat(len)));
    }
    out.push('""');
  } else if (type === 'number' || type === 'integer') {
    for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']) {
      const n = s[key];
      if (typeof n !== 'number') continue;
      const eps = type === 'integer' ? 1 : Math.max(Math.abs(n) * Number.EPSILON, Number.MIN_VALUE);
      out.push(String(n - eps), String(n), String(n + eps), JSON.stringify(n - 0.5), JSON.stringify(n + 0.5));
    }
    out.push('0', '-1');
  }
  if (Array.isArray(s.enum)) for (const v of s.enum) out.push(JSON.stringify(v), JSON.stringify(typeof v === 'string' ? v.toUpperCase() : v), JSON.stringify(`${String(v)} `));
  return out.length > 0 ? out : ['null'];
}

/** A body over `bodyLimitBytes` or a field grown to a large size (some under the limit, some over). */
function hugeCase(base: unknown, spot: Spot, n: number, limit: number): FuzzCase {
  const sizes = [1_000, 10_000, 100_000, Math.floor(limit / 2), limit - 64, limit + 1, 2 * limit];
  const size = pick(sizes, n);
  const variant = Math.floor(n / sizes.length) % 5;
  if (variant === 0) {
    // Whitespace around a valid body: legal JSON, so only its size decides.
    const text = JSON.stringify(base);
    return json('huge', `${size} bytes of whitespace`, text + ' '.repeat(Math.max(0, size - text.length)), null);
  }
  if (variant === 1) return json('huge', `string of ${size} chars at ${spot.pointer}`, withRaw(base, spot.pointer, JSON.stringify('\u00e9a\u{1F600}'.repeat(Math.ceil(size / 6)))), spot.pointer);
  if (variant === 2) {
    const item = Array.isArray(spot.value) && spot.value.length > 0 ? JSON.stringify(spot.value[0]) : '1';
    const count = Math.max(1, Math.floor(size / (item.length + 1)));
    return json('huge', `array of ${count} x ${item.slice(0, 20)} at ${spot.pointer}`, withRaw(base, spot.pointer, `[${Array(count).fill(item).join(',')}]`), spot.pointer);
  }
  if (variant === 3) {
    const count = Math.max(1, Math.floor(size / 4));
    return json('huge', `array of ${count} wrong-typed items at ${spot.pointer}`, withRaw(base, spot.pointer, `[${Array(count).fill('{}').join(',')}]`), spot.pointer);
  }
  const count = Math.max(1, Math.floor(size / 12));
  const keys = Array.from({ length: count }, (_, i) => `"k${i}":1`).join(',');
  return json('huge', `object with ${count} keys at ${spot.pointer}`, withRaw(base, spot.pointer, `{${keys}}`), spot.pointer);
}

function malformedCase(base: unknown, n: number): FuzzCase {
  const variant = n % 4;
  if (variant === 0) return json('malformed', 'not one JSON object', pick(MALFORMED_BODIES, n >> 2), null);
  const text = JSON.stringify(base);
  if (variant === 1) return json('malformed', 'truncated body', text.slice(0, (n >> 2) % Math.max(1, text.length)), null);
  if (variant === 2) {
    const [contentType] = pick(CONTENT_TYPES, n >> 2);
    return { category: 'malformed', label: `sent as ${contentType}`, body: text, contentType, at: null };
  }
  // Invalid UTF-8 in the middle of the text (decoded as U+FFFD) and a byte order mark.
  const bytes = Buffer.from(text);
  const cut = (n >> 2) % Math.max(1, bytes.length);
  return json(
    'malformed',
    'invalid UTF-8 bytes / BOM',
    (n >> 4) % 2 ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]) : Buffer.concat([bytes.subarray(0, cut), Buffer.from([0xff, 0xc0, 0x80]), bytes.subarray(cut)]),
    null,
  );
}

function caseFor(category: Category, base: unknown, all: Spot[], n: number, m: number, limit: number): FuzzCase {
  const fields = all.filter((s) => s.pointer !== '');
  const spot = pick(fields.length > 0 ? fields : all, n);
  switch (category) {
    case 'valid':
      return json('valid', 'schema-valid body', JSON.stringify(base), null);
    case 'boundary': {
      const raw = pick(boundaryTexts(spot.schema ?? {}, spot.value), m);
      return json('boundary', `${raw.slice(0, 40)} at ${spot.pointer}`, withRaw(base, spot.pointer, raw), spot.pointer);
    }
    case 'type-confused': {
      const target = pick(all, n);
      const raw = pick(TYPE_CONFUSED, m);
      return json('type-confused', `${raw} at ${target.pointer || '(root)'}`, withRaw(base, target.pointer, raw), target.pointer);
    }
    case 'missing-required': {
      const required = fields.filter((s) => s.parent && (s.parent.schema.required ?? []).includes(s.parent.key));
      if (required.length === 0) return json('missing-required', 'schema-valid body', JSON.stringify(base), null);
      const gone = pick(required, n);
      return json('missing-required', `without ${gone.pointer}`, withoutKey(base, gone), gone.pointer);
    }
    case 'unknown-key': {
      const objects = all.filter((s) => s.value !== null && typeof s.value === 'object' && !Array.isArray(s.value));
      const holder = pick(objects, n);
      const key = pick(HOSTILE_KEYS, m);
      const at = `${holder.pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      return json('unknown-key', `${JSON.stringify(key).slice(0, 30)} in ${holder.pointer || '(root)'}`, withKey(base, holder.pointer, key, pick(HOSTILE_KEY_VALUES, n >> 3)), at);
    }
    case 'numeric-extreme': {
      const numeric = fields.filter((s) => typeof s.value === 'number');
      const target = numeric.length > 0 ? pick(numeric, n) : spot;
      const raw = pick(NUMERIC_EXTREMES, m);
      return json('numeric-extreme', `${raw.slice(0, 40)} at ${target.pointer}`, withRaw(base, target.pointer, raw), target.pointer);
    }
    case 'unicode': {
      const strings = fields.filter((s) => typeof s.value === 'string');
      const target = strings.length > 0 ? pick(strings, n) : spot;
      const raw = pick(UNICODE_STRINGS, m);
      return json('unicode', `${raw.slice(0, 30)} at ${target.pointer}`, withRaw(base, target.pointer, raw), target.pointer);
    }
    case 'huge':
      return hugeCase(base, spot, m, limit);
    case 'deep-nesting': {
      const depth = pick([10, 100, 1_000, 10_000, 100_000], m);
      const kind = (m >> 3) % 2 ? 'object' : 'array';
      return json('deep-nesting', `${depth} nested ${kind}s at ${spot.pointer}`, withRaw(base, spot.pointer, nested(depth, kind)), spot.pointer);
    }
    case 'malformed':
      return malformedCase(base, m);
  }
}

/** How often each category is drawn: mostly cheap single-field cases, fewer megabyte bodies. */
const WEIGHTS: Record<Category, number> = {
  valid: 14,
  boundary: 14,
  'type-confused': 14,
  'missing-required': 6,
  'unknown-key': 10,
  'numeric-extreme': 14,
  unicode: 10,
  huge: 4,
  'deep-nesting': 4,
  malformed: 10,
};

export function caseArbitrary(target: EndpointTarget): fc.Arbitrary<FuzzCase> {
  const base = validValue(target.schema, target.root);
  const category = fc.oneof(...CATEGORIES.map((c) => ({ arbitrary: fc.constant(c), weight: WEIGHTS[c] })));
  return fc.tuple(category, base, fc.nat(), fc.nat()).map(([c, body, n, m]) => caseFor(c, body, spots(body, target.schema, target.root), n, m, target.bodyLimitBytes));
}

/** `count` cases for `target`, the same ones for the same seed. */
export function fuzzCases(target: EndpointTarget, count: number, seed: number): FuzzCase[] {
  return fc.sample(caseArbitrary(target), { numRuns: count, seed });
}
