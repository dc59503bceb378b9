/** Normalization: YAML key order never changes the model; sources parse; defaults come from the schema. */
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseConfigText } from '../../src/config/index.js';
import { configSchema } from '../../src/config/schema.js';
import { parseModelSource } from '../../src/config/source.js';
import { AB_YAML, MINIMAL_YAML } from '../../testkit/fixtures.js';
import { edit } from './helpers.js';

/** Rebuilds every mapping with its keys in a different order (reversed, or rotated by depth). */
/** Permutes the keys of every mapping except schema `properties` and examples, whose order is the author's. */
function permute(value: unknown, how: 'reverse' | 'rotate', depth = 0, parentKey = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => permute(v, how, depth + 1, parentKey === 'examples' ? 'examples' : ''));
  if (value === null || typeof value !== 'object') return value;
  if (parentKey === 'examples') return value;
  const keys = Object.keys(value);
  if (parentKey === 'properties') return Object.fromEntries(keys.map((k) => [k, permute((value as Record<string, unknown>)[k], how, depth + 1)]));
  const order = how === 'reverse' ? keys.reverse() : [...keys.slice((depth + 1) % (keys.length || 1)), ...keys.slice(0, (depth + 1) % (keys.length || 1))];
  return Object.fromEntries(order.map((k) => [k, permute((value as Record<string, unknown>)[k], how, depth + 1, k)]));
}

describe('key order', () => {
  it.each([
    ['minimal', MINIMAL_YAML],
    ['A/B', AB_YAML],
    ['recommender example', undefined],
  ] as const)('%s: permuted keys give a deep-equal model and identical JSON', async (_, text) => {
    const source = text ?? (await import('node:fs')).readFileSync('examples/recommender/mlservice.yaml', 'utf8');
    const base = parseConfigText(source, 'mlservice.yaml');
    for (const how of ['reverse', 'rotate'] as const) {
      const permuted = stringify(permute(parse(source), how));
      expect(permuted).not.toBe(stringify(parse(source)));
      const model = parseConfigText(permuted, 'mlservice.yaml');
      expect(model).toStrictEqual(base);
      expect(JSON.stringify(model)).toBe(JSON.stringify(base));
    }
  });
  it('request fields and examples keep the order the author wrote, whichever it is', () => {
    const fields = (m: ReturnType<typeof parseConfigText>) => Object.keys(m.endpoints[0]!.input.properties as object);
    expect(fields(parseConfigText(AB_YAML, 'f'))).toEqual(['user_id', 'device', 'history', 'activity_ids']);
    const raw = parse(AB_YAML);
    const props = raw.endpoints[0].input.properties;
    raw.endpoints[0].input.properties = Object.fromEntries(Object.entries(props).reverse());
    raw.endpoints[0].examples = [{ activity_ids: [1], user_id: 'u' }];
    const m = parseConfigText(stringify(raw), 'f');
    expect(fields(m)).toEqual(['activity_ids', 'history', 'device', 'user_id']);
    expect(Object.keys(m.endpoints[0]!.examples[0] as object)).toEqual(['activity_ids', 'user_id']);
  });

  it('arrays inside schemas keep their order (required, enum)', () => {
    const m = parseConfigText(edit(AB_YAML, 'enum: [desktop, mobile]', 'enum: [mobile, desktop]'), 'f');
    expect((m.endpoints[0]!.input.properties as Record<string, { enum?: string[] }>).device!.enum).toEqual(['mobile', 'desktop']);
    expect(m.endpoints[0]!.input.required).toEqual(['user_id', 'activity_ids']);
  });
});

describe('normalized values', () => {
  it('batching: false and enabled: false keep the queue bound and a queue budget', () => {
    const off = parseConfigText(edit(MINIMAL_YAML, '    model: scorer\n', '    model: scorer\n    batching: false\n'), 'f');
    expect(off.endpoints[0]!.batching).toEqual({ enabled: false, maxQueueRows: 1024, queueBudgetMs: 100 });
    const disabled = parseConfigText(edit(MINIMAL_YAML, '    model: scorer\n', '    model: scorer\n    batching: {enabled: false, maxQueueRows: 10, queueBudgetMs: 30}\n'), 'f');
    expect(disabled.endpoints[0]!.batching).toEqual({ enabled: false, maxQueueRows: 10, queueBudgetMs: 30 });
  });

  it('the queue budget defaults to ten batching windows, at least 100 ms', () => {
    const budget = (batching: string) => parseConfigText(edit(MINIMAL_YAML, '    model: scorer\n', `    model: scorer\n    batching: ${batching}\n`), 'f').endpoints[0]!.batching.queueBudgetMs;
    expect([budget('{maxLatencyMs: 2}'), budget('{maxLatencyMs: 10}'), budget('{maxLatencyMs: 40}'), budget('{maxLatencyMs: 40, queueBudgetMs: 7}')]).toEqual([100, 100, 400, 7]);
  });
  it('basis points from decimal weights, salt and missingUnit variant', () => {
    const text = edit(
      edit(edit(AB_YAML, 'weight: 90}', 'weight: 97.5}'), 'weight: 10}', 'weight: 2.5}'),
      '      overrideHeader: x-mlservice-variant\n',
      '      salt: s1\n      missingUnit: {variant: control}\n',
    );
    const ab = parseConfigText(text, 'f').endpoints[0]!.ab!;
    expect(ab).toStrictEqual({
      experiment: 'ranker-2026-11',
      salt: 's1',
      unit: 'user_id',
      variants: [
        { name: 'control', model: 'ranker-control', weight: 97.5, basisPoints: 9750 },
        { name: 'treatment', model: 'ranker-treatment', weight: 2.5, basisPoints: 250 },
      ],
      missingUnit: { variant: 'control' },
    });
  });
  it('buildBase defaults to base, limits.cpu only when set', () => {
    const text = edit(
      edit(MINIMAL_YAML, '    repository: ds/scorer\n', '    repository: ds/scorer\n    base: node:22-bookworm-slim\n'),
      '    namespace: ds\n',
      '    namespace: ds\n    resources: {limits: {cpu: "2"}}\n',
    );
    const d = parseConfigText(text, 'f').deploy;
    expect(d.image.buildBase).toBe('node:22-bookworm-slim');
    expect(d.kubernetes.resources).toStrictEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '1Gi' } });
  });
});

describe('model sources', () => {
  it.each([
    ['models:/ranker/12', { kind: 'registry-version', uri: 'models:/ranker/12', registeredModel: 'ranker', version: '12' }],
    ['models:/ranker@champion', { kind: 'registry-alias', uri: 'models:/ranker@champion', registeredModel: 'ranker', alias: 'champion' }],
    ['models:/ranker/latest', { kind: 'registry-latest', uri: 'models:/ranker/latest', registeredModel: 'ranker' }],
    ['models:/main.reco.ranker/3', { kind: 'registry-version', uri: 'models:/main.reco.ranker/3', registeredModel: 'main.reco.ranker', version: '3' }],
    ['models:/main.reco.ranker@prod', { kind: 'registry-alias', uri: 'models:/main.reco.ranker@prod', registeredModel: 'main.reco.ranker', alias: 'prod' }],
    ['models/scorer/model.onnx', { kind: 'local', uri: 'models/scorer/model.onnx', path: 'models/scorer/model.onnx' }],
    ['mlflow-model', { kind: 'local', uri: 'mlflow-model', path: 'mlflow-model' }],
    ['./models/churn-v1.onnx', { kind: 'local', uri: 'models/churn-v1.onnx', path: 'models/churn-v1.onnx' }],
    ['././models/x', { kind: 'local', uri: 'models/x', path: 'models/x' }],
    [
      'https://models.example.com:8443/s/1/model.onnx?sig=a',
      { kind: 'https', uri: 'https://models.example.com:8443/s/1/model.onnx?sig=a', url: 'https://models.example.com:8443/s/1/model.onnx?sig=a' },
    ],
  ])('%s', (uri, want) => {
    expect(parseModelSource(uri)).toEqual({ ok: true, source: want });
  });

  /** The schema's pattern (what editors check) and the parser (what mlgen checks) must agree. */
  it('the schema pattern accepts exactly what the parser accepts', () => {
    const pattern = new RegExp((configSchema().$defs as Record<string, { pattern: string }>).modelSource!.pattern, 'u');
    const samples = [
      'models:/ranker/12',
      'models:/ranker@champion',
      'models:/ranker/latest',
      'models:/main.reco.ranker/3',
      'models/x.onnx',
      'a/b/c+d.onnx',
      'https://h.example.com/x.onnx',
      'https://h:1/x',
      'models:/ranker',
      'models:/ranker/0',
      'models:/ranker/v1',
      'models:/a b/1',
      'models:/x@',
      'models:/x@1a',
      '../x.onnx',
      '/x.onnx',
      '~/x',
      'C:\\x',
      'a\\b',
      'a//b',
      './a',
      './models/x.onnx',
      '././a',
      './',
      './../x',
      'a/./b',
      '.hidden',
      'http://h/x',
      's3://b/x',
      'runs:/1/m',
      'https://h',
      'https://u:p@h/x',
      '',
      'models:x/1',
      'a b',
    ];
    for (const s of samples) expect([s, pattern.test(s)]).toEqual([s, parseModelSource(s).ok]);
  });
});
