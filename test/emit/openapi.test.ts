import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PATHS, VARIANT_HEADER } from '../../runtime/src/names.js';
import type { ServiceModel } from '../../src/config/model.js';
import { emitters } from '../../src/emit/index.js';
import { buildOpenApi, emitOpenApi, endpointNames } from '../../src/emit/openapi.js';
import { GENERATED_MARKER } from '../../src/emit/types.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { runtimeDocument, servedDocument } from '../support/openapi-served.js';
import { OPERATIONAL_OPERATION_IDS } from '../../src/emit/openapi-components.js';

type Doc = Record<string, any>;

function yamlOf(model: ServiceModel): string {
  const files = emitOpenApi(model);
  expect(files).toHaveLength(1);
  return files[0]!.content;
}

describe('emitOpenApi', () => {
  it('writes one generated openapi.yaml with the marker header and provenance', () => {
    const [file] = emitOpenApi(minimalModel());
    expect(file!.path).toBe('openapi.yaml');
    expect(file!.owner).toBe('generated');
    expect(file!.emitter).toBe('openapi');
    expect(file!.inputs).toEqual(['/endpoints', '/server/auth', '/server/bodyLimitBytes', '/service']);
    expect(file!.content.split('\n').slice(0, 3)).toEqual([`# ${GENERATED_MARKER}`, 'openapi: 3.1.0', 'x-generated-by: mlgen']);
    expect(file!.content.endsWith('\n')).toBe(true);
    expect(file!.content.endsWith('\n\n')).toBe(false);
    expect(file!.content).not.toContain('\r');
  });

  it('is registered in the emitter registry', () => {
    expect(emitters.filter(([name]) => name === 'openapi').map(([, emit]) => emit)).toEqual([emitOpenApi]);
  });

  it('parses back to exactly the built document (no anchors, no lossy scalars)', () => {
    for (const model of [minimalModel(), abModel()]) {
      const text = yamlOf(model);
      expect(text).not.toMatch(/[&*][a-z0-9]+\s*$/m);
      expect(parse(text)).toEqual(buildOpenApi(model));
      expect(parse(text, { version: '1.1' })).toEqual(buildOpenApi(model));
    }
  });

  it('is deterministic: the same model gives the same bytes', () => {
    expect(yamlOf(abModel())).toBe(yamlOf(abModel()));
  });

  it('matches the golden files', async () => {
    await expect(yamlOf(minimalModel())).toMatchFileSnapshot('./__snapshots__/openapi-minimal.yaml');
    await expect(yamlOf(abModel())).toMatchFileSnapshot('./__snapshots__/openapi-ab.yaml');
  });
});

describe('buildOpenApi', () => {
  it('takes info from the service metadata, falling back to the owner as contact', () => {
    const m = abModel();
    expect(buildOpenApi(m).info).toEqual({
      title: 'activity-ranker',
      description: 'Ranks activities for a user',
      version: '1.2.0',
      contact: { name: 'reco-team' },
    });
    m.service.contact = { name: 'Reco', email: 'reco@example.com', url: 'https://example.com/reco' };
    expect((buildOpenApi(m).info as Doc).contact).toEqual({ name: 'Reco', email: 'reco@example.com', url: 'https://example.com/reco' });
    m.service.license = { name: 'Apache 2.0', identifier: 'Apache-2.0' };
    expect((buildOpenApi(m).info as Doc).license).toEqual({ name: 'Apache 2.0', identifier: 'Apache-2.0' });
  });

  it('states that no operation is authenticated without server.auth: `security: []` at the root and, once served, on every probe', () => {
    const doc = buildOpenApi(abModel()) as Doc;
    expect(doc.security).toEqual([]);
    const served = servedDocument(doc) as Doc;
    for (const path of [PATHS.live, PATHS.ready, PATHS.metrics, PATHS.metadata]) expect([path, served.paths[path].get.security]).toEqual([path, []]);
    expect(doc.paths['/v1/rank'].post.security).toBeUndefined();
    expect(doc.paths['/v1/rank'].post.responses['401']).toBeUndefined();
    expect(doc.components.securitySchemes).toBeUndefined();
    expect(doc.components.responses.Unauthorized).toBeUndefined();
  });

  it('with server.auth, requires its scheme on every prediction operation only, and documents the 401 and its challenge', () => {
    const m = abModel();
    m.endpoints.push({ ...minimalModel().endpoints[0]!, name: 'score', path: '/v1/score' });
    const secret = { name: 'ranker-auth', key: 'token' };
    m.server.auth = { type: 'bearer', secret };
    const bearer = buildOpenApi(m) as Doc;
    expect(bearer.components.securitySchemes).toEqual({
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description: '`Authorization: Bearer <token>` (RFC 6750). The token is issued by the service owners; probes, `/metrics`, `/metadata` and the docs need none.',
      },
    });
    for (const path of ['/v1/rank', '/v1/score']) {
      expect([path, bearer.paths[path].post.security, bearer.paths[path].post.responses['401']]).toEqual([path, [{ bearerAuth: [] }], { $ref: '#/components/responses/Unauthorized' }]);
    }
    expect(bearer.security).toEqual([]);
    const served = servedDocument(bearer) as Doc;
    for (const path of [PATHS.live, PATHS.ready, PATHS.metrics, PATHS.metadata]) expect([path, served.paths[path].get.security]).toEqual([path, []]);
    expect(bearer.components.responses.Unauthorized.content['application/problem+json'].schema).toEqual({ $ref: './node_modules/@mlservice/runtime/openapi.yaml#/components/schemas/Problem' });
    expect(bearer.components.responses.Unauthorized.headers).toEqual({
      'WWW-Authenticate': {
        description: 'The challenge: `Bearer realm="activity-ranker"`, with `error="invalid_token"` when a token was sent but is wrong.',
        required: true,
        schema: { type: 'string' },
      },
    });
    // Where the token lives is the chart's business: no Secret name in the API description.
    expect(JSON.stringify(bearer)).not.toContain('ranker-auth');

    m.server.auth = { type: 'apiKey', header: 'x-reco-key', secret };
    const apiKey = buildOpenApi(m) as Doc;
    expect(apiKey.components.securitySchemes).toEqual({
      apiKeyAuth: {
        type: 'apiKey',
        in: 'header',
        name: 'x-reco-key',
        description: 'The API key, as is, in header `x-reco-key`. The token is issued by the service owners; probes, `/metrics`, `/metadata` and the docs need none.',
      },
    });
    expect(apiKey.paths['/v1/score'].post.security).toEqual([{ apiKeyAuth: [] }]);
    expect(apiKey.components.responses.Unauthorized.headers['WWW-Authenticate'].description).toBe('The challenge: `ApiKey realm="activity-ranker", header="x-reco-key"`.');
  });

  it('documents one POST per endpoint with a request body component and a response component schema', () => {
    const doc = buildOpenApi(abModel()) as Doc;
    const op = doc.paths['/v1/rank'].post;
    expect(Object.keys(doc.paths['/v1/rank'])).toEqual(['post']);
    expect(op.operationId).toBe('rank');
    expect(op.tags).toEqual(['inference']);
    expect(op.requestBody).toEqual({ $ref: '#/components/requestBodies/RankRequest' });
    const body = doc.components.requestBodies.RankRequest;
    expect([body.required, Object.keys(body.content)]).toEqual([true, ['application/json']]);
    expect(body.content['application/json'].examples).toEqual({
      example1: { value: { activity_ids: [11, 12, 13], device: 'mobile', history: [3, 5], user_id: 'u-1' } },
    });
    expect(body.content['application/json'].schema).toEqual(abModel().endpoints[0]!.input);
    expect(doc.components.schemas.RankRequest).toBeUndefined();
    expect(op.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/RankResponse' });
    expect(doc.components.schemas.RankResponse).toEqual(abModel().endpoints[0]!.output);
    expect(Object.keys(op.responses)).toEqual(['200', '400', '404', '413', '415', '422', '429', '500', '503']);
  });

  it('documents the variant header: variant names for A/B, `default` otherwise', () => {
    const ab = (buildOpenApi(abModel()) as Doc).paths['/v1/rank'].post;
    expect(VARIANT_HEADER).toBe('x-mlservice-variant');
    expect(ab.responses['200'].headers[VARIANT_HEADER].schema).toEqual({ type: 'string', enum: ['control', 'treatment'] });
    const single = (buildOpenApi(minimalModel()) as Doc).paths['/v1/score'].post;
    expect(single.responses['200'].headers[VARIANT_HEADER].schema).toEqual({ type: 'string', enum: ['default'] });
    expect(single.parameters).toBeUndefined();
  });

  it('documents the QA override header only when it is configured', () => {
    const m = abModel();
    m.endpoints[0]!.ab!.overrideHeader = 'x-qa-variant';
    const op = (buildOpenApi(m) as Doc).paths['/v1/rank'].post;
    expect(op.parameters).toEqual([
      {
        name: 'x-qa-variant',
        in: 'header',
        required: false,
        description: 'QA only: forces the named A/B variant instead of the sticky assignment.',
        schema: { type: 'string', enum: ['control', 'treatment'] },
      },
    ]);
    delete m.endpoints[0]!.ab!.overrideHeader;
    expect((buildOpenApi(m) as Doc).paths['/v1/rank'].post.parameters).toBeUndefined();
  });

  it('refers to the runtime for every error answer but the body limit, which the config decides', () => {
    const doc = buildOpenApi(minimalModel()) as Doc;
    const runtime = (kind: string, name: string) => ({ $ref: `./node_modules/@mlservice/runtime/openapi.yaml#/components/${kind}/${name}` });
    expect(doc.paths['/v1/score'].post.responses).toEqual({
      '200': doc.paths['/v1/score'].post.responses['200'],
      '400': runtime('responses', 'BadRequest'),
      '404': runtime('responses', 'NotFound'),
      '413': { $ref: '#/components/responses/PayloadTooLarge' },
      '415': runtime('responses', 'UnsupportedMediaType'),
      '422': runtime('responses', 'NonFiniteOutput'),
      '429': runtime('responses', 'TooManyRequests'),
      '500': runtime('responses', 'InternalError'),
      '503': runtime('responses', 'PredictionUnavailable'),
    });
    expect(doc.components.responses).toEqual({
      PayloadTooLarge: { description: 'The request body is larger than 1048576 bytes.', content: { 'application/problem+json': { schema: runtime('schemas', 'Problem') } } },
    });
    expect(Object.keys(doc.components.schemas)).toEqual(['ScoreResponse']);
  });

  it('answers errors with problem+json, Retry-After on 429 and 503, once served with the runtime part', () => {
    const doc = servedDocument(buildOpenApi(minimalModel())) as Doc;
    const r = doc.components.responses;
    for (const name of ['BadRequest', 'NotFound', 'PayloadTooLarge', 'UnsupportedMediaType', 'NonFiniteOutput', 'TooManyRequests', 'InternalError', 'ServiceUnavailable', 'PredictionUnavailable']) {
      expect([name, r[name].content]).toEqual([name, { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }]);
    }
    expect(r.TooManyRequests.headers).toEqual({ 'Retry-After': { $ref: '#/components/headers/RetryAfter' } });
    expect(r.ServiceUnavailable.headers).toEqual({ 'Retry-After': { $ref: '#/components/headers/RetryAfter' } });
    expect(r.PredictionUnavailable.headers).toEqual({ 'Retry-After': { $ref: '#/components/headers/RetryAfter' } });
    expect(r.BadRequest.headers).toBeUndefined();
    expect(doc.components.schemas.Problem.properties.errors.items.required).toEqual(['pointer', 'message']);
  });

  it('is served with the operational routes at the paths the runtime answers', () => {
    expect(Object.keys((buildOpenApi(minimalModel()) as Doc).paths)).toEqual(['/v1/score']);
    const served = servedDocument(buildOpenApi(minimalModel())) as Doc;
    const paths = served.paths;
    expect(Object.keys(paths)).toEqual(['/v1/score', PATHS.live, PATHS.ready, PATHS.metrics, PATHS.metadata]);
    expect(Object.keys(paths[PATHS.live].get.responses)).toEqual(['200', '404', '500', '503']);
    expect(Object.keys(paths[PATHS.ready].get.responses)).toEqual(['200', '404', '500', '503']);
    expect(Object.keys(paths[PATHS.metrics].get.responses)).toEqual(['200', '404', '500']);
    expect(Object.keys(paths[PATHS.metadata].get.responses)).toEqual(['200', '404', '500']);
    expect(Object.keys(paths[PATHS.metrics].get.responses['200'].content)).toEqual(['text/plain; version=0.0.4']);
    expect(served.components.schemas.ServiceMetadata.properties.models.items.required).toEqual(['name', 'source', 'version', 'runId', 'sha256']);
    expect(served.tags).toEqual([
      { name: 'inference', description: 'Model predictions.' },
      { name: 'operations', description: 'Health, metrics and served versions, for operators and probes.' },
    ]);
  });

  it("knows the operation ids of the runtime's routes, which endpoints must avoid", () => {
    const paths = runtimeDocument().paths as Record<string, Record<string, { operationId: string }>>;
    expect(Object.values(paths).flatMap((item) => Object.values(item).map((op) => op.operationId))).toEqual([...OPERATIONAL_OPERATION_IDS]);
  });

  it('gives endpoints unique camelCase operation ids and schema names', () => {
    const m = minimalModel();
    const base = m.endpoints[0]!;
    m.endpoints = ['score-items', 'a-1', 'a1', 'get-metrics'].map((name) => ({ ...base, name, path: `/v1/${name}` }));
    expect(endpointNames(m.endpoints)).toEqual([
      { operationId: 'scoreItems', schema: 'ScoreItems' },
      { operationId: 'a1', schema: 'A1' },
      { operationId: 'a12', schema: 'A12' },
      { operationId: 'getMetrics2', schema: 'GetMetrics' },
    ]);
  });

  it('inlines local $refs of embedded schemas, rebases only recursive ones, and drops $id/$schema', () => {
    const m = minimalModel();
    const row = { type: 'array', items: { type: 'number' } };
    m.endpoints[0]!.input = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.com/score',
      type: 'object',
      properties: { row: { $ref: '#/$defs/row' }, described: { $ref: '#/$defs/row', description: 'd' }, self: { $ref: '#' }, ext: { $ref: 'https://example.com/x.json' } },
      $defs: { row },
    };
    const at = '#/components/requestBodies/ScoreRequest/content/application~1json/schema';
    expect((buildOpenApi(m) as Doc).components.requestBodies.ScoreRequest.content['application/json'].schema).toEqual({
      type: 'object',
      properties: { row, described: { allOf: [row], description: 'd' }, self: { $ref: at }, ext: { $ref: 'https://example.com/x.json' } },
      $defs: { row },
    });
    // Without a recursive reference nothing points into $defs any more: they are gone.
    m.endpoints[0]!.output = {
      type: 'object',
      properties: { tree: { $ref: '#/$defs/node' }, a: { $ref: '#/$defs/row' } },
      $defs: { row, node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/$defs/node' } } } } },
    };
    expect((buildOpenApi(m) as Doc).components.schemas.ScoreResponse).toEqual({
      type: 'object',
      properties: { tree: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/components/schemas/ScoreResponse/$defs/node' } } } }, a: row },
      $defs: { row, node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/components/schemas/ScoreResponse/$defs/node' } } } } },
    });
    delete (m.endpoints[0]!.output.$defs as Record<string, unknown>).node;
    m.endpoints[0]!.output.properties = { a: { $ref: '#/$defs/row' } };
    expect((buildOpenApi(m) as Doc).components.schemas.ScoreResponse).toEqual({ type: 'object', properties: { a: row } });
  });

  it('moves the default of an optional response property into its description, keeps required ones and request defaults', () => {
    const m = minimalModel();
    m.endpoints[0]!.input = { type: 'object', properties: { history: { type: 'array', default: [] } } };
    m.endpoints[0]!.output = {
      type: 'object',
      required: ['score'],
      properties: {
        score: { type: 'number', default: 0 },
        label: { type: 'string', default: 'none', description: 'Class: "a" # b' },
        // A property named `default`, data that looks like a schema, and defaults below an optional one.
        default: { type: 'object', properties: { n: { type: 'integer', default: 1 } }, examples: [{ properties: { x: { default: 2 } } }] },
        list: { type: 'array', items: { type: 'object', required: ['k'], properties: { k: { type: 'string', default: 'k' }, v: { default: null } } } },
      },
    };
    const doc = buildOpenApi(m) as Doc;
    expect(doc.components.schemas.ScoreResponse).toEqual({
      type: 'object',
      required: ['score'],
      properties: {
        score: { type: 'number', default: 0 },
        label: { type: 'string', description: 'Class: "a" # b\n\nDefault when absent: `"none"`.' },
        default: { type: 'object', properties: { n: { type: 'integer', description: 'Default when absent: `1`.' } }, examples: [{ properties: { x: { default: 2 } } }] },
        list: { type: 'array', items: { type: 'object', required: ['k'], properties: { k: { type: 'string', default: 'k' }, v: { description: 'Default when absent: `null`.' } } } },
      },
    });
    expect(doc.components.requestBodies.ScoreRequest.content['application/json'].schema.properties.history).toEqual({ type: 'array', default: [] });
    expect(parse(yamlOf(m))).toEqual(doc);
  });
});
