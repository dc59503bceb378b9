/**
 * Request validators compiled at start-up from the served OpenAPI document give exactly what the
 * ajv standalone code mlgen used to generate gave (same `errors`, so the same problem+json), and a
 * document without an endpoint's schema stops the service before it listens.
 *
 * The reference is real ajv standalone code, built the way mlgen built `src/generated/validators.js`
 * (Ajv2020, allErrors, strict false, strictNumbers, ajv-formats, from the config's schema with its
 * local `$defs`); the documents are written in the form mlgen's OpenAPI emitter writes request
 * schemas (src/emit/openapi-embed.ts: local references inlined, a recursive one rebased onto the
 * schema's place in the document, a `$ref` with siblings as `allOf`).
 */
import { createRequire } from 'node:module';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import addFormatsPlugin from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../src/model-files.js';
import { loadOpenApi } from '../src/openapi.js';
import { requestValidators } from '../src/request-validators.js';
import { buildService } from '../src/server.js';
import type { EndpointDefinition, ValidateFn } from '../src/types.js';
import { rankSchema, scoreSchema, serviceDefinition, writeModels } from './support/service-fixture.js';

const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;
const standalone = standaloneCode as unknown as typeof standaloneCode.default;
const require = createRequire(import.meta.url);

/** The validator mlgen generated for `schema`: standalone source, loaded as the module it was. */
function standaloneValidator(schema: object): ValidateFn {
  const ajv = new Ajv2020({ code: { source: true, lines: true }, allErrors: true, strict: false, strictNumbers: true, logger: false, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(schema, '#endpoint/x');
  const source = standalone(ajv, { validateX: '#endpoint/x' });
  const mod = { exports: {} as Record<string, ValidateFn> };
  new Function('module', 'exports', 'require', source)(mod, mod.exports, require);
  return mod.exports.validateX!;
}

const POINTER = '#/components/requestBodies/TreeRequest/content/application~1json/schema';

/** A config schema using what the embedding rewrites: `$defs`, a recursive reference, a `$ref` with siblings, formats. */
const treeConfig = {
  type: 'object',
  required: ['id', 'when', 'root'],
  additionalProperties: false,
  $defs: {
    node: { type: 'object', required: ['label'], properties: { label: { type: 'string', minLength: 1 }, children: { type: 'array', items: { $ref: '#/$defs/node' }, maxItems: 3 } } },
    score: { type: 'number', minimum: 0, maximum: 1 },
  },
  properties: {
    id: { type: 'string', format: 'uuid' },
    when: { type: 'string', format: 'date-time' },
    email: { type: 'string', format: 'email' },
    name: { type: 'string', minLength: 2, maxLength: 4 },
    weight: { $ref: '#/$defs/score', description: 'a weight', multipleOf: 0.25 },
    count: { type: 'integer', exclusiveMinimum: 0 },
    kind: { enum: ['a', 'b'] },
    tags: { type: 'object', patternProperties: { '^t_': { type: 'boolean' } }, additionalProperties: false },
    root: { $ref: '#/$defs/node' },
    either: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
  },
};

/** `treeConfig` as mlgen embeds it at POINTER of the document. */
const treeEmbedded = {
  type: 'object',
  required: ['id', 'when', 'root'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', format: 'uuid' },
    when: { type: 'string', format: 'date-time' },
    email: { type: 'string', format: 'email' },
    name: { type: 'string', minLength: 2, maxLength: 4 },
    weight: { allOf: [{ type: 'number', minimum: 0, maximum: 1 }], description: 'a weight', multipleOf: 0.25 },
    count: { type: 'integer', exclusiveMinimum: 0 },
    kind: { enum: ['a', 'b'] },
    tags: { type: 'object', patternProperties: { '^t_': { type: 'boolean' } }, additionalProperties: false },
    root: { type: 'object', required: ['label'], properties: { label: { type: 'string', minLength: 1 }, children: { type: 'array', items: { $ref: `${POINTER}/$defs/node` }, maxItems: 3 } } },
    either: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
  },
  $defs: {
    node: { type: 'object', required: ['label'], properties: { label: { type: 'string', minLength: 1 }, children: { type: 'array', items: { $ref: `${POINTER}/$defs/node` }, maxItems: 3 } } },
    score: { type: 'number', minimum: 0, maximum: 1 },
  },
};

const ok = { id: '0b7e2c4e-8f1a-4c59-9b3d-2f6a1e0c9d11', when: '2026-11-25T10:00:00Z', root: { label: 'r' } };

const BODIES: Record<string, unknown[]> = {
  score: [{ features: [1, 2, 3, 4] }, {}, { features: [1, 2, 3] }, { features: [1, 'x', null, Infinity, 5] }, { features: [1, 2, 3, 4], 'a/b~c': 1 }, null, [], 'text', 7],
  rank: [
    { user_id: 'u', items: [[1, 2, 3, 4]] },
    { user_id: 7, items: [[1, 2, 3]] },
    { items: [] },
    { user_id: 'u', items: Array(65).fill([1, 2, 3, 4]) },
    { user_id: '', items: [[1, 2, 3, 4], {}], x: 1, y: 2 },
  ],
  tree: [
    ok,
    { ...ok, email: 'a@example.com', name: 'ab', weight: 0.5, count: 1, kind: 'a', tags: { t_x: true }, either: 3, root: { label: 'r', children: [{ label: 'c', children: [{ label: 'd' }] }] } },
    {},
    { ...ok, id: 'nope', when: 'yesterday', email: 'no', name: '🙂', weight: 0.3, count: 0, kind: 'c', tags: { t_x: 1, other: true }, either: 1.5 },
    { ...ok, name: '🙂🙂🙂🙂🙂', weight: 2, count: 2.5, root: { children: [{ label: '' }, { label: 'x', children: [{}, {}, {}, {}] }, 3] } },
    { ...ok, weight: Number.NEGATIVE_INFINITY, count: Number.POSITIVE_INFINITY, unknown: {} },
    { ...ok, either: true, root: { label: 5, children: 'none' } },
  ],
};

const jsonBody = (schema: object) => ({ required: true, content: { 'application/json': { schema } } });

/** A document holding each schema in one of the forms mlgen writes. */
function document(): Record<string, unknown> {
  const post = (requestBody: object) => ({ post: { requestBody, responses: { '200': { description: 'ok' } } } });
  return {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/v1/score': post(jsonBody(scoreSchema)),
      '/v1/rank': post({ $ref: '#/components/requestBodies/RankRequest' }),
      '/v1/tree': post({ $ref: '#/components/requestBodies/TreeRequest' }),
    },
    components: { requestBodies: { RankRequest: jsonBody(rankSchema), TreeRequest: jsonBody(treeEmbedded) } },
  };
}

/**
 * Ajv errors without `schemaPath`: it says where in the schema the failing rule sits, which the
 * embedding moves (an inlined `$defs` entry sits under the property that used it). The answer never
 * reads it (problem.ts `fieldErrors`); everything it reads, and the order, must be the same.
 */
function answered(errors: ValidateFn['errors']): unknown[] | null {
  return errors ? errors.map(({ schemaPath: _where, ...rest }: Record<string, unknown>) => rest) : null;
}

const endpoint = (name: string, path = `/v1/${name}`): EndpointDefinition => ({ name, path }) as EndpointDefinition;

describe('validators compiled from the served document', () => {
  const configs: Record<string, object> = { score: scoreSchema, rank: rankSchema, tree: treeConfig };
  let compiled: Map<string, ValidateFn>;
  beforeAll(async () => {
    compiled = requestValidators(
      await loadOpenApi(document()),
      Object.keys(configs).map((n) => endpoint(n)),
    );
  });

  it.each(Object.keys(configs))('%s: the same verdict and the same ajv errors as the standalone code mlgen generated', (name) => {
    const reference = standaloneValidator(configs[name]!);
    const runtime = compiled.get(name)!;
    const verdicts = BODIES[name]!.map((body) => {
      const want = [reference(body), answered(reference.errors)];
      const got = [runtime(body), answered(runtime.errors)];
      expect(got, JSON.stringify(body)).toEqual(want);
      return want[0];
    });
    // Both outcomes are exercised, and the invalid bodies give errors to compare.
    expect(verdicts.includes(true) && verdicts.includes(false)).toBe(true);
  });

  it('keeps a validate function the definition brings (projects generated before), without needing the schema', () => {
    const own = Object.assign(() => true, { errors: null }) as ValidateFn;
    const got = requestValidators({ openapi: '3.1.0', paths: {} }, [{ ...endpoint('old'), validate: own }]);
    expect(got.get('old')).toBe(own);
  });
});

describe('a document without an endpoint schema stops the start-up', () => {
  const fix = 'fix: run "mlgen sync" so openapi.yaml describes every endpoint of src/generated/service.ts, and deploy both from the same commit';
  const refused = (doc: Record<string, unknown>, e = endpoint('score')): ModelLoadError => {
    try {
      requestValidators(doc, [e]);
    } catch (err) {
      expect(err).toBeInstanceOf(ModelLoadError);
      return err as ModelLoadError;
    }
    throw new Error('requestValidators accepted the document');
  };

  it.each([
    ['no such path', { paths: {} }],
    ['no POST', { paths: { '/v1/score': { get: {} } } }],
    ['no JSON body', { paths: { '/v1/score': { post: { requestBody: { content: { 'text/plain': { schema: {} } } } } } } }],
    ['a reference to a missing request body', { paths: { '/v1/score': { post: { requestBody: { $ref: '#/components/requestBodies/Gone' } } } } }],
  ])('%s: MODEL.NO_REQUEST_SCHEMA', (_name, doc) => {
    expect(refused(doc).message).toBe(`MODEL.NO_REQUEST_SCHEMA the OpenAPI document has no POST /v1/score with a request body schema under content["application/json"] for endpoint "score"\n${fix}`);
  });

  it('a schema whose reference resolves nowhere: MODEL.BAD_REQUEST_SCHEMA', () => {
    const doc = { paths: { '/v1/score': { post: { requestBody: jsonBody({ $ref: '#/components/schemas/Gone' }) } } } };
    const err = refused(doc);
    expect(err.code).toBe('MODEL.BAD_REQUEST_SCHEMA');
    expect(err.message).toMatch(
      /^MODEL\.BAD_REQUEST_SCHEMA the request schema of endpoint "score" \(#\/paths\/~1v1~1score\/post\/requestBody\/content\/application~1json\/schema of the OpenAPI document\) does not compile: .*#\/components\/schemas\/Gone/,
    );
    expect(err.message.endsWith(`\n${fix}`)).toBe(true);
  });

  it('buildService rejects before anything listens', async () => {
    const def = serviceDefinition();
    def.openapi = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {} };
    await expect(buildService(def, {}, { LOG_LEVEL: 'silent' })).rejects.toMatchObject({ code: 'MODEL.NO_REQUEST_SCHEMA' });
  });
});

describe('a service built without validate functions', () => {
  it('answers every bad body with the same 400 problem+json as with the standalone validators', async () => {
    const { lockPath } = await writeModels();
    const env = { LOG_LEVEL: 'silent', MLSERVICE_MODELS_LOCK: lockPath };
    const compiled = await buildService(serviceDefinition(), {}, env);
    const old = serviceDefinition();
    old.endpoints[0]!.validate = standaloneValidator(scoreSchema);
    old.endpoints[1]!.validate = standaloneValidator(rankSchema);
    const generated = await buildService(old, {}, env);
    try {
      for (const [name, bodies] of [
        ['score', BODIES.score!],
        ['rank', BODIES.rank!],
      ] as const) {
        let refusals = 0;
        for (const body of bodies) {
          const req = { method: 'POST' as const, url: `/v1/${name}`, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
          const [a, b] = await Promise.all([compiled.app.inject(req), generated.app.inject(req)]);
          expect([a.statusCode, a.headers['content-type'], a.body], req.payload).toEqual([b.statusCode, b.headers['content-type'], b.body]);
          if (a.statusCode === 400) {
            refusals++;
            expect(a.json().type).toBe('urn:mlservice:problem:invalid-request');
          }
        }
        expect(refusals).toBeGreaterThan(0);
      }
    } finally {
      await Promise.all([compiled.app.close(), generated.app.close()]);
    }
  });
});
