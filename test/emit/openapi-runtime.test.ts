/**
 * Contract check between the generated OpenAPI document and what @mlservice/runtime really answers:
 * a real runtime service (real ONNX models, Fastify via inject) is called, and every answer is
 * validated against the schema, status codes and headers the document promises (the generated one
 * as the service serves it: with the runtime's operational routes and shared answers).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildService, type BuiltService } from '../../runtime/src/index.js';
import { PATHS, VARIANT_HEADER } from '../../runtime/src/names.js';
import { serviceDefinition, writeModels } from '../../runtime/test/support/service-fixture.js';
import type { ServiceModel } from '../../src/config/model.js';
import { buildOpenApi } from '../../src/emit/openapi.js';
import { abModel } from '../../testkit/fixtures.js';
import { servedDocument } from '../support/openapi-served.js';

type Doc = Record<string, any>;

/** The ServiceModel equivalent of the runtime fixture (same paths, schemas, variants, body limit). */
function fixtureModel(): ServiceModel {
  const m = abModel();
  const def = serviceDefinition();
  const rank = m.endpoints[0]!;
  const features = { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 };
  const score = { ...rank, name: 'score', path: '/v1/score', model: 'model-a', examples: [] };
  delete score.ab;
  score.input = { type: 'object', required: ['features'], additionalProperties: false, properties: { features } };
  score.output = { type: 'object', required: ['score'], properties: { score: { type: 'number' } } };
  rank.input = {
    type: 'object',
    required: ['user_id', 'items'],
    additionalProperties: false,
    properties: { user_id: { type: 'string' }, items: { type: 'array', items: features, minItems: 1, maxItems: 64 } },
  };
  const modelRef = { type: 'object', required: ['name', 'version'], properties: { name: { type: 'string' }, version: { type: 'string' } } };
  rank.output = { type: 'object', required: ['model', 'scores'], properties: { model: modelRef, scores: { type: 'array', items: { type: 'number' } } } };
  rank.ab!.overrideHeader = 'x-force-variant';
  rank.ab!.variants = rank.ab!.variants.map((v) => ({ ...v, weight: 50, basisPoints: 5000 }));
  rank.examples = [];
  m.endpoints = [score, rank];
  m.server.bodyLimitBytes = def.server.bodyLimitBytes;
  return m;
}

describe('generated OpenAPI vs the real runtime', () => {
  const doc = servedDocument(buildOpenApi(fixtureModel())) as Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'oas', components: doc.components }, 'oas');
  let svc: BuiltService;

  /** Validates one response against the document: status listed, media type, body schema, headers. */
  function conforms(method: 'get' | 'post', path: string, res: { statusCode: number; headers: Record<string, unknown>; body: string }): void {
    let response = doc.paths[path][method].responses[String(res.statusCode)];
    expect(response, `${method} ${path} ${res.statusCode} is documented`).toBeDefined();
    if (response.$ref) response = doc.components.responses[response.$ref.split('/').at(-1)];
    const [media, content] = Object.entries(response.content as Record<string, { schema: object }>)[0]!;
    expect(String(res.headers['content-type']).startsWith(media)).toBe(true);
    if (!media.includes('json')) return;
    const validate = ajv.compile({ $ref: `oas#${content.schema && '$ref' in content.schema ? String(content.schema.$ref).slice(1) : ''}` });
    expect(validate(JSON.parse(res.body)) ? [] : validate.errors).toEqual([]);
    for (const [name, header] of Object.entries((response.headers ?? {}) as Record<string, Doc>)) {
      const value = res.headers[name.toLowerCase()];
      expect(value, `header ${name}`).toBeDefined();
      const schema = header.$ref ? doc.components.headers[header.$ref.split('/').at(-1)].schema : header.schema;
      const typed = schema.type === 'integer' ? Number(value) : value;
      expect(ajv.validate(schema, typed) ? [] : ajv.errors).toEqual([]);
    }
  }

  beforeAll(async () => {
    const { modelsDir, lockPath } = await writeModels();
    // The generated document, not the fixture's: the runtime compiles its request validators from it.
    const def = { ...serviceDefinition(), openapi: buildOpenApi(fixtureModel()) };
    svc = await buildService(def, { modelsDir, handleSignals: false }, { MLSERVICE_MODELS_LOCK: lockPath, LOG_LEVEL: 'silent' });
  });
  afterAll(async () => {
    await svc?.app.close();
  });

  it('validates for real: a body missing required problem fields is rejected', () => {
    expect(ajv.compile({ $ref: 'oas#/components/schemas/Problem' })({ type: 'urn:x', status: 400 })).toBe(false);
  });

  it('answers /livez, and /readyz with a documented 503 before the models load', async () => {
    conforms('get', PATHS.live, await svc.app.inject({ method: 'GET', url: PATHS.live }));
    const notReady = await svc.app.inject({ method: 'GET', url: PATHS.ready });
    expect(notReady.statusCode).toBe(503);
    conforms('get', PATHS.ready, notReady);
  });

  it('answers predictions, metadata, metrics and errors as documented once ready', async () => {
    await svc.loadModels();
    conforms('get', PATHS.ready, await svc.app.inject({ method: 'GET', url: PATHS.ready }));
    conforms('get', PATHS.metadata, await svc.app.inject({ method: 'GET', url: PATHS.metadata }));
    conforms('get', PATHS.metrics, await svc.app.inject({ method: 'GET', url: PATHS.metrics }));
    const score = await svc.app.inject({ method: 'POST', url: '/v1/score', payload: { features: [0.1, 0.2, 0.3, 0.4] } });
    expect(score.statusCode).toBe(200);
    expect(score.headers[VARIANT_HEADER]).toBe('default');
    conforms('post', '/v1/score', score);
    const rank = await svc.app.inject({ method: 'POST', url: '/v1/rank', headers: { 'x-force-variant': 'treatment' }, payload: { user_id: 'u', items: [[1, 2, 3, 4]] } });
    expect(rank.headers[VARIANT_HEADER]).toBe('treatment');
    conforms('post', '/v1/rank', rank);
    const bad = await svc.app.inject({ method: 'POST', url: '/v1/score', payload: { features: [1] } });
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/features']);
    conforms('post', '/v1/score', bad);
    const big = await svc.app.inject({ method: 'POST', url: '/v1/score', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ features: [], pad: 'x'.repeat(8192) }) });
    expect(big.statusCode).toBe(413);
    conforms('post', '/v1/score', big);
  });
});
