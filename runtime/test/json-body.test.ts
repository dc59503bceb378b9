/**
 * The JSON body parser and the field-error cap, through the assembled service (Fastify injection,
 * real ONNX models). Both were found by test/reliability/request-fuzz.test.ts: Fastify's own parser
 * answered a `__proto__` key with a 400 that named no field, and a 64 KiB array of wrong-typed
 * items got a 1 MB list of errors back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FIELD_ERRORS } from '../src/errors.js';
import { prototypeKeys } from '../src/json-body.js';
import { buildService, type BuiltService } from '../src/server.js';
import { serviceDefinition, writeModels } from './support/service-fixture.js';

let s: BuiltService;
beforeAll(async () => {
  const { modelsDir, lockPath } = await writeModels();
  s = await buildService(serviceDefinition(), { modelsDir }, { LOG_LEVEL: 'silent', MLSERVICE_MODELS_LOCK: lockPath });
  await s.loadModels();
});
afterAll(() => s.shutdown());

const raw = (payload: string, contentType = 'application/json') => s.app.inject({ method: 'POST', url: '/v1/score', payload, headers: { 'content-type': contentType } });

describe('prototypeKeys', () => {
  it('finds own __proto__ keys and constructor.prototype, escaped or not, in document order, and nothing else', () => {
    const body = JSON.parse('{"a":[{"__proto__":{"x":1}}],"b":{"constructor":{"prototype":{}}},"c":{"constructor":1},"\\u005f_proto__":2,"d/e":{"__proto__":null}}');
    expect(prototypeKeys(body)).toEqual(['/__proto__', '/a/0/__proto__', '/b/constructor', '/d~1e/__proto__']);
    expect(prototypeKeys({ constructor: 'x', prototype: {}, proto: 1 })).toEqual([]);
  });

  it('walks 100,000 levels of nesting without overflowing the stack', () => {
    const depth = 100_000;
    const body = JSON.parse(`${'{"a":'.repeat(depth)}{"__proto__":1}${'}'.repeat(depth)}`);
    expect(prototypeKeys(body)).toEqual([`${'/a'.repeat(depth)}/__proto__`]);
  });
});

describe('the JSON body parser', () => {
  it('answers a prototype key with 400 invalid-request naming it, and no prototype changes', async () => {
    const res = await raw('{"features":[1,2,3,4],"__proto__":{"polluted":true},"x":{"constructor":{"prototype":{"polluted":true}}}}');
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({
      type: 'urn:mlservice:problem:invalid-request',
      errors: [
        { pointer: '/__proto__', message: 'must not be used as a key: it could rewrite object prototypes (prototype pollution)' },
        { pointer: '/x/constructor', message: 'must not be used as a key: it could rewrite object prototypes (prototype pollution)' },
      ],
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps Fastify behaviour otherwise: empty and malformed bodies 400 invalid-json, a BOM ignored, other media 415', async () => {
    const answers = await Promise.all([
      raw(''),
      raw('{"features":'),
      raw('\ufeff{"features":[1,2,3,4]}'),
      raw('{"features":[1,2,3,4]}', 'text/plain'),
      raw('{"features":[1,2,3,4]}', 'application/json; charset=utf-8'),
    ]);
    expect(answers.map((r) => [r.statusCode, r.statusCode === 200 ? 'ok' : r.json().type])).toEqual([
      [400, 'urn:mlservice:problem:invalid-json'],
      [400, 'urn:mlservice:problem:invalid-json'],
      [200, 'ok'],
      [415, 'urn:mlservice:problem:unsupported-media-type'],
      [200, 'ok'],
    ]);
  });

  it('lists at most MAX_FIELD_ERRORS field errors and says how many there were', async () => {
    const res = await raw(JSON.stringify({ features: Array.from({ length: 300 }, () => 'x') }));
    const problem = res.json();
    expect(res.statusCode).toBe(400);
    expect(problem.errors).toHaveLength(MAX_FIELD_ERRORS);
    expect(problem.errors[0]).toEqual({ pointer: '/features', message: 'must NOT have more than 4 items' });
    expect(problem.detail).toBe(`the request body does not match the endpoint schema (the first ${MAX_FIELD_ERRORS} of 301 field errors are listed)`);
  });
});
