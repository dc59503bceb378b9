/**
 * The fix hints of config errors live in the JSON Schema (`x-fix: {<keyword>: <fix>}` beside the
 * keyword they explain). These tests keep them from going stale: every pattern and format has a
 * hint, every hint belongs to a keyword of its own node, and every hint is what the loader prints
 * when that keyword fails on a real config.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseConfigText } from '../../src/config/index.js';
import { displayPath } from '../../src/config/locate.js';
import { configAjv, configSchema, SCHEMA_ANNOTATIONS, type SchemaNode } from '../../src/config/schema.js';
import { DiagnosticError, type Diagnostic } from '../../src/diagnostics.js';

type Fixes = Record<string, unknown>;

/** Every schema node with the instance path that reaches it first (through properties, items, $ref, then/else). */
function reachable(schema: SchemaNode): Map<SchemaNode, string[]> {
  const out = new Map<SchemaNode, string[]>();
  const visit = (node: SchemaNode, path: string[]) => {
    if (out.has(node)) return;
    out.set(node, path);
    if (typeof node.$ref === 'string') {
      const target = node.$ref
        .slice(2)
        .split('/')
        .reduce<unknown>((n, k) => (n as SchemaNode)[k], schema);
      visit(target as SchemaNode, path);
    }
    for (const [key, child] of Object.entries((node.properties as Record<string, SchemaNode> | undefined) ?? {})) visit(child, [...path, key]);
    if (node.items) visit(node.items as SchemaNode, [...path, '0']);
    for (const k of ['then', 'else']) if (node[k]) visit(node[k] as SchemaNode, path);
  };
  visit(schema, []);
  return out;
}

/** Every schema node of the file, with its JSON pointer (not the values of `x-fix`, `examples`, `default`, `const`). */
function allNodes(node: unknown, pointer = ''): { node: SchemaNode; pointer: string }[] {
  if (node === null || typeof node !== 'object' || /\/(x-fix|examples|default|const)$/.test(pointer)) return [];
  const here = Array.isArray(node) ? [] : [{ node: node as SchemaNode, pointer }];
  return [...here, ...Object.entries(node).flatMap(([k, v]) => allNodes(v, `${pointer}/${k}`))];
}

/** A value that fails `keyword` of `node` and nothing else of it; `current` is what the config has there. */
function violation(keyword: string, node: SchemaNode, current: unknown): unknown {
  switch (keyword) {
    case 'pattern':
    case 'format':
      return ' not valid';
    case 'const':
      return node.const === false ? true : `${String(node.const)}-x`;
    case 'maxLength':
      return 'a'.repeat(Number(node.maxLength) + 1);
    case 'minItems':
      return (current as unknown[]).slice(0, Number(node.minItems) - 1);
    default:
      throw new Error(`no violation known for keyword "${keyword}": teach this test one`);
  }
}

function setIn(data: Record<string, unknown>, path: string[], value: unknown): void {
  let node = data;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path.at(-1)!] = value;
}

function diagnosticsOf(data: unknown): Diagnostic[] {
  try {
    parseConfigText(stringify(data), 'mlservice.yaml');
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics;
    throw e;
  }
  return [];
}

const schema = configSchema();
// The base config reaches every part of the schema: an A/B endpoint, contact, license, resources.
const BASE = parse(readFileSync('examples/recommender/mlservice.yaml', 'utf8')) as Record<string, unknown>;

/** Where a pattern's fix is computed instead (parseModelSource says what kind of source it looks like). */
const COMPUTED = new Set(['/$defs/modelSource']);

describe('x-fix hints in schemas/mlservice.schema.json', () => {
  const nodes = allNodes(schema);
  const hinted = nodes.filter(({ node }) => node['x-fix'] !== undefined);

  test('every pattern and format has a hint, except the model source whose fix is computed', () => {
    const missing = nodes
      .filter(({ pointer }) => !COMPUTED.has(pointer))
      .flatMap(({ node, pointer }) => ['pattern', 'format'].filter((k) => typeof node[k] === 'string' && (node['x-fix'] as Fixes | undefined)?.[k] === undefined).map((k) => `${pointer}/${k}`));
    expect(missing).toEqual([]);
  });

  test('every hint names a keyword of its own node and is a sentence of text', () => {
    expect(hinted.length).toBeGreaterThan(15);
    const stale = hinted.flatMap(({ node, pointer }) =>
      Object.entries(node['x-fix'] as Fixes)
        .filter(([keyword, fix]) => node[keyword] === undefined || typeof fix !== 'string' || fix.length < 10)
        .map(([keyword]) => `${pointer}/x-fix/${keyword}`),
    );
    expect(stale).toEqual([]);
  });

  test('x-fix is the only keyword of the file that is not JSON Schema (ajv strict knows no other)', () => {
    expect(SCHEMA_ANNOTATIONS).toEqual(['x-fix']);
    expect(() => configAjv().compile(schema)).not.toThrow();
  });

  const paths = reachable(schema);
  const cases = hinted.flatMap(({ node, pointer }) => Object.entries(node['x-fix'] as Fixes).map(([keyword, fix]) => ({ pointer, keyword, fix: fix as string, node })));
  test.each(cases)('the loader prints $pointer x-fix.$keyword when $keyword fails', ({ node, keyword, fix }) => {
    const path = paths.get(node);
    expect(path, 'no instance path reaches this node').toBeDefined();
    const data = structuredClone(BASE);
    const current = path!.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], data);
    setIn(data, path!, violation(keyword, node, current));
    const at = diagnosticsOf(data).filter((d) => d.message.startsWith(`${displayPath(path!)} `));
    expect(at.map((d) => d.fix)).toContain(fix);
  });
});
