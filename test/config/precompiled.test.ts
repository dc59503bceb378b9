import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { configAjv, configSchema, configValidatorSource } from '../../src/config/schema.js';

type Built = ValidateFunction & { schemaSha256: string };

/** Evaluates the build's standalone source in-process, as `require()` loads it from dist/. */
function loadSource(source: string): Built {
  const module = { exports: {} as Built };
  new Function('module', 'exports', 'require', source)(module, module.exports, createRequire(import.meta.url));
  return module.exports;
}

type Path = (string | number)[];

/** Every spot of `data`: each object and array node and each leaf, with its path. */
function spots(node: unknown, at: Path = []): { at: Path; node: unknown }[] {
  const here = [{ at, node }];
  if (node === null || typeof node !== 'object') return here;
  const kids = Array.isArray(node) ? node.map((v, i) => [i, v] as const) : Object.entries(node);
  return [...here, ...kids.flatMap(([k, v]) => spots(v, [...at, k]))];
}

function withChange(data: unknown, at: Path, change: (parent: Record<string | number, unknown>, key: string | number) => void): unknown {
  const copy = structuredClone(data) as Record<string | number, unknown>;
  let parent = copy;
  for (const k of at.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  change(parent, at.at(-1)!);
  return copy;
}

/** One broken config per spot and kind of damage: wrong types, odd values, unknown and missing keys. */
function brokenConfigs(data: unknown): unknown[] {
  const out: unknown[] = [];
  for (const { at, node } of spots(data)) {
    if (at.length === 0) continue;
    for (const value of [42, -1, 'not valid!', '', null, [], {}, true]) out.push(withChange(data, at, (p, k) => (p[k] = value)));
    out.push(withChange(data, at, (p, k) => (Array.isArray(p) ? p.splice(Number(k), 1) : delete p[k])));
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) out.push(withChange(data, at, (p, k) => ((p[k] as Record<string, unknown>).bogus = 1)));
  }
  return out;
}

describe('the precompiled config validator (npm run build) behaves as the schema compiled at run time', () => {
  const built = loadSource(configValidatorSource());
  const compiled = configAjv().compile(configSchema());

  test.each(['minimal', 'recommender', 'search-ranking'])('examples/%s and every broken variant of it: same verdict, errors and defaults', (name) => {
    const data = parse(readFileSync(`examples/${name}/mlservice.yaml`, 'utf8')) as unknown;
    const configs = [data, ...brokenConfigs(data)];
    expect(configs.length).toBeGreaterThan(100);
    for (const config of configs) {
      const [a, b] = [structuredClone(config), structuredClone(config)];
      expect(built(a)).toBe(compiled(b));
      expect(built.errors ?? null).toStrictEqual(compiled.errors ?? null);
      expect(a).toStrictEqual(b);
    }
  });

  test('it carries the sha256 of the schema file, which the loader compares before using it', () => {
    const file = readFileSync('schemas/mlservice.schema.json');
    expect(built.schemaSha256).toBe(createHash('sha256').update(file).digest('hex'));
  });
});
