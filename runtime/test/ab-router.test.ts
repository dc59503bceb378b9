/** Sticky A/B assignment: hash correctness, distribution, stickiness, stability, overrides. */
import { describe, expect, it } from 'vitest';
import { AbRouter, bucketOf, murmur3_32 } from '../src/ab-router.js';
import { InvalidRequestError } from '../src/errors.js';
import type { AbDefinition } from '../src/types.js';
import { serviceDefinition } from './support/service-fixture.js';

/** The fixture service's experiment, reweighted 90/10 and without its override header. */
const def = (over: Partial<AbDefinition> = {}): AbDefinition => ({
  ...serviceDefinition().endpoints[1]!.ab!,
  overrideHeader: undefined,
  variants: [
    { name: 'control', model: 'ranker-control', basisPoints: 9000 },
    { name: 'treatment', model: 'ranker-treatment', basisPoints: 1000 },
  ],
  ...over,
});
const noHeaders = () => undefined;
const users = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);

describe('murmur3_32', () => {
  // Published MurmurHash3_x86_32 test vectors (SMHasher-compatible implementations agree on these).
  it.each([
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['aaa', 0x9747b28c, 0x283e0130],
    ['aa', 0x9747b28c, 0x5d211726],
    ['a', 0x9747b28c, 0x7fa09ea6],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['ππππππππ', 0x9747b28c, 0xd58063c1],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
  ])('hashes %j with seed %d', (key, seed, expected) => {
    expect(murmur3_32(key, seed)).toBe(expected);
  });
});

describe('AbRouter', () => {
  it('splits 100,000 units within 1% of the weights', () => {
    const router = new AbRouter(
      def({
        variants: [
          { name: 'a', model: 'ma', basisPoints: 5000 },
          { name: 'b', model: 'mb', basisPoints: 3000 },
          { name: 'c', model: 'mc', basisPoints: 2000 },
        ],
      }),
    );
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (const u of users) counts[router.assign({ user_id: u }, noHeaders).variant]!++;
    expect(Math.abs(counts.a! / users.length - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(counts.b! / users.length - 0.3)).toBeLessThan(0.01);
    expect(Math.abs(counts.c! / users.length - 0.2)).toBeLessThan(0.01);
  });

  it('spreads buckets evenly: each tenth of the bucket range gets 10% +- 1% of units', () => {
    const deciles = new Array<number>(10).fill(0);
    for (const u of users) deciles[Math.floor(bucketOf('salt', u) / 1000)]!++;
    for (const d of deciles) expect(Math.abs(d / users.length - 0.1)).toBeLessThan(0.01);
  });

  it('is sticky: the same unit always gets the same variant, numbers and strings alike', () => {
    const router = new AbRouter(def());
    const first = users.slice(0, 1000).map((u) => router.assign({ user_id: u }, noHeaders).variant);
    const again = users.slice(0, 1000).map((u) => new AbRouter(def()).assign({ user_id: u, device: 'mobile' }, noHeaders).variant);
    expect(again).toEqual(first);
    expect(router.assign({ user_id: 42 }, noHeaders)).toEqual(router.assign({ user_id: '42' }, noHeaders));
  });

  it('is stable under unrelated changes: other fields, another experiment, an override header not configured', () => {
    const a = new AbRouter(def());
    const b = new AbRouter(def({ experiment: 'renamed-display-name', missingUnit: { variant: 'control' } }));
    for (const u of users.slice(0, 2000)) {
      const x = a.assign({ user_id: u }, noHeaders).variant;
      expect(b.assign({ user_id: u, history: [1, 2] }, (h) => (h === 'x-variant' ? 'treatment' : undefined)).variant).toBe(x);
    }
  });

  it('moves units only between the variants whose ranges changed when weights change', () => {
    const before = new AbRouter(def());
    const after = new AbRouter(
      def({
        variants: [
          { name: 'control', model: 'ranker-control', basisPoints: 8000 },
          { name: 'treatment', model: 'ranker-treatment', basisPoints: 2000 },
        ],
      }),
    );
    for (const u of users.slice(0, 5000)) {
      if (before.assign({ user_id: u }, noHeaders).variant === 'treatment') expect(after.assign({ user_id: u }, noHeaders).variant).toBe('treatment');
    }
  });

  it('honours the override header only when configured, and rejects unknown variant names', () => {
    const header = (h: string) => (h === 'x-mlservice-force-variant' ? 'treatment' : undefined);
    const unit = users.find((u) => new AbRouter(def()).assign({ user_id: u }, noHeaders).variant === 'control')!;
    expect(new AbRouter(def()).assign({ user_id: unit }, header).variant).toBe('control');
    const qa = new AbRouter(def({ overrideHeader: 'X-MLService-Force-Variant' }));
    expect(qa.assign({ user_id: unit }, header)).toEqual({ variant: 'treatment', model: 'ranker-treatment', by: 'override' });
    expect(() => qa.assign({ user_id: unit }, () => 'nope')).toThrow(InvalidRequestError);
  });

  it('rejects a missing unit naming the field, or falls back to the configured variant', () => {
    const err = (() => {
      try {
        new AbRouter(def({ unit: 'user.id' })).assign({ user: {} }, noHeaders);
      } catch (e) {
        return e as InvalidRequestError;
      }
    })();
    expect(err?.extra.errors).toEqual([{ pointer: '/user/id', message: 'is required to assign a variant' }]);
    const fb = new AbRouter(def({ missingUnit: { variant: 'treatment' } }));
    expect(fb.assign({ user_id: '' }, noHeaders)).toEqual({ variant: 'treatment', model: 'ranker-treatment', by: 'fallback' });
  });

  it('refuses weights that do not sum to 10000 basis points', () => {
    expect(() => new AbRouter(def({ variants: [{ name: 'a', model: 'm', basisPoints: 9999 }] }))).toThrow('sum to 9999 basis points');
  });
});
