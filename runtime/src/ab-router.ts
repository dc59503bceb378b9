/**
 * Sticky A/B assignment: bucket = murmur3_32(salt + ":" + unit value) mod 10000; variants own
 * contiguous bucket ranges sized by their weights in basis points, in declaration order. The same
 * unit always lands in the same variant while salt and weights stay the same, and nothing else
 * (other experiments, request fields, time) enters the hash.
 * @see https://github.com/aappleby/smhasher/blob/master/src/MurmurHash3.cpp (MurmurHash3_x86_32)
 */
import { InvalidRequestError } from './errors.js';
import type { AbDefinition } from './types.js';

const encoder = new TextEncoder();
export const BUCKETS = 10_000;

/** MurmurHash3 x86 32-bit over the UTF-8 bytes of `key`: fast, well mixed, public-domain design. */
export function murmur3_32(key: string, seed = 0): number {
  const bytes = encoder.encode(key);
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  switch (bytes.length & 3) {
    case 3:
      k ^= bytes[blocks + 2]! << 16;
    // falls through
    case 2:
      k ^= bytes[blocks + 1]! << 8;
    // falls through
    case 1:
      k ^= bytes[blocks]!;
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= bytes.length;
  // fmix32: the finalizer spreads every input bit over the whole word.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function bucketOf(salt: string, unitValue: string): number {
  return murmur3_32(`${salt}:${unitValue}`) % BUCKETS;
}

export interface Assignment {
  variant: string;
  model: string;
  /** How the variant was chosen; `override` and `fallback` are not sticky. */
  by: 'hash' | 'override' | 'fallback';
}

/** Reads a unit from the request body: a top-level field, or a dotted path into nested objects. */
function unitValue(body: unknown, unit: string): string | null {
  let v: unknown = body;
  for (const key of unit.split('.')) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string, unknown>)[key];
  }
  if (typeof v === 'string') return v === '' ? null : v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return null;
}

export class AbRouter {
  private readonly ends: number[];

  constructor(private readonly def: AbDefinition) {
    let sum = 0;
    this.ends = def.variants.map((v) => (sum += v.basisPoints));
    if (sum !== BUCKETS) throw new Error(`experiment "${def.experiment}": variant weights sum to ${sum} basis points, not ${BUCKETS}`);
  }

  get experiment(): string {
    return this.def.experiment;
  }

  variantForBucket(bucket: number): AbDefinition['variants'][number] {
    const i = this.ends.findIndex((end) => bucket < end);
    return this.def.variants[i]!;
  }

  /** Picks the variant for one request; `header` reads a request header (lower-case name). */
  assign(body: unknown, header: (name: string) => string | undefined): Assignment {
    if (this.def.overrideHeader) {
      const forced = header(this.def.overrideHeader.toLowerCase());
      if (forced !== undefined) return this.forced(forced);
    }
    const unit = unitValue(body, this.def.unit);
    if (unit === null) return this.missing();
    const v = this.variantForBucket(bucketOf(this.def.salt, unit));
    return { variant: v.name, model: v.model, by: 'hash' };
  }

  private forced(name: string): Assignment {
    const v = this.def.variants.find((x) => x.name === name);
    if (!v) {
      const names = this.def.variants.map((x) => x.name).join(', ');
      throw new InvalidRequestError(`header ${this.def.overrideHeader} names no variant of experiment "${this.def.experiment}" (variants: ${names})`, [
        { pointer: '', message: `unknown variant "${name}"` },
      ]);
    }
    return { variant: v.name, model: v.model, by: 'override' };
  }

  private missing(): Assignment {
    const rule = this.def.missingUnit;
    if (rule === 'reject') {
      const pointer =
        '/' +
        this.def.unit
          .split('.')
          .map((k) => k.replace(/~/g, '~0').replace(/\//g, '~1'))
          .join('/');
      throw new InvalidRequestError(`the A/B unit "${this.def.unit}" is missing or empty`, [{ pointer, message: 'is required to assign a variant' }]);
    }
    const v = this.def.variants.find((x) => x.name === rule.variant);
    if (!v) throw new Error(`experiment "${this.def.experiment}": missingUnit names unknown variant "${rule.variant}"`);
    return { variant: v.name, model: v.model, by: 'fallback' };
  }
}
