import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { SCHEMA_ANNOTATIONS, configSchema } from '../../src/config/schema.js';

const EXAMPLES = ['minimal', 'recommender', 'search-ranking'];

describe('committed examples load', () => {
  it.each(EXAMPLES)('examples/%s/mlservice.yaml is valid and points editors at the schema', async (name) => {
    const path = `examples/${name}/mlservice.yaml`;
    const loaded = await loadConfig(path);
    expect(loaded.path).toBe(path);
    expect(loaded.model.apiVersion).toBe('mlservice/v1');
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../../schemas/mlservice.schema.json');
  });

  it.each(EXAMPLES)('examples/%s/mlservice.yaml is clean for an editor checking the schema alone', (name) => {
    const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    // Editors ignore unknown keywords as JSON Schema says; ajv's strict mode needs them declared.
    ajv.addVocabulary([...SCHEMA_ANNOTATIONS]);
    const validate = ajv.compile(configSchema());
    expect(validate(parse(readFileSync(`examples/${name}/mlservice.yaml`, 'utf8'))) ? [] : validate.errors).toEqual([]);
  });

  it('recommender: 90/10 sticky split on user_id between the pinned and the challenger ranker', async () => {
    const { model } = await loadConfig('examples/recommender/mlservice.yaml');
    const ab = model.endpoints[0]!.ab!;
    expect(ab.unit).toBe('user_id');
    expect(ab.variants.map((v) => [v.name, v.model, v.basisPoints])).toEqual([
      ['control', 'ranker-control', 9000],
      ['treatment', 'ranker-treatment', 1000],
    ]);
    expect(model.models.map((m) => m.source)).toEqual([
      { kind: 'registry-version', uri: 'models:/activity-ranker/12', registeredModel: 'activity-ranker', version: '12' },
      { kind: 'registry-alias', uri: 'models:/activity-ranker@challenger', registeredModel: 'activity-ranker', alias: 'challenger' },
    ]);
  });

  it('search-ranking: Unity Catalog source, tuned batching, explicit path', async () => {
    const { model } = await loadConfig('examples/search-ranking/mlservice.yaml');
    expect(model.models[0]!.source).toEqual({ kind: 'registry-version', uri: 'models:/main.search.reranker/7', registeredModel: 'main.search.reranker', version: '7' });
    expect(model.endpoints[0]!.batching).toEqual({ enabled: true, maxBatchSize: 256, maxLatencyMs: 3, maxQueueRows: 8192, queueBudgetMs: 100 });
    expect(model.endpoints[0]!.path).toBe('/v2/search/rerank');
  });

  it('minimal: a local model path and every default applied', async () => {
    const { model } = await loadConfig('examples/minimal/mlservice.yaml');
    expect(model.models[0]!.source).toEqual({ kind: 'local', uri: 'models/churn/model.onnx', path: 'models/churn/model.onnx' });
    expect(model.endpoints[0]!.path).toBe('/v1/score');
    expect(model.server).toEqual({ port: 8080, bodyLimitBytes: 1048576, shutdownGraceMs: 10000 });
  });
});
