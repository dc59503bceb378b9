/**
 * `server.auth` through the assembled service (Fastify injection, real ONNX models): bearer tokens
 * (RFC 6750) and API keys, 401 problem+json with a `WWW-Authenticate` challenge, the token checked
 * before the body is parsed, the operational routes left open, refusals counted, and the start-up
 * refusal of a missing or unusable token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_TOKEN_LENGTH } from '../src/auth.js';
import { ModelLoadError } from '../src/model-files.js';
import { buildService, type BuiltService } from '../src/server.js';
import type { AuthDefinition } from '../src/types.js';
import { serviceDefinition, writeModels } from './support/service-fixture.js';

const TOKEN = 'tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const BODY = JSON.stringify({ features: [1, 2, 3, 4] });

async function service(auth: AuthDefinition, token: string | undefined): Promise<BuiltService> {
  const { modelsDir, lockPath } = await writeModels();
  const env: NodeJS.ProcessEnv = { LOG_LEVEL: 'silent', MLSERVICE_MODELS_LOCK: lockPath, ...(token === undefined ? {} : { MLSERVICE_AUTH_TOKEN: token }) };
  return buildService(serviceDefinition({}, { auth }), { modelsDir }, env);
}

function post(s: BuiltService, headers: Record<string, string>, payload = BODY) {
  return s.app.inject({ method: 'POST', url: '/v1/score', payload, headers: { 'content-type': 'application/json', ...headers } });
}

/** Status, challenge and problem type/detail of an answer. */
function summary(res: Awaited<ReturnType<typeof post>>): unknown[] {
  const body = res.statusCode === 200 ? 'ok' : res.json();
  return [res.statusCode, res.headers['www-authenticate'] ?? null, typeof body === 'string' ? body : `${body.type} ${body.detail}`];
}

describe('bearer token', () => {
  let s: BuiltService;
  beforeAll(async () => {
    // With the newline `echo` leaves in a Secret file: HTTP can never send it, so it is dropped.
    s = await service({ type: 'bearer' }, `${TOKEN}\n`);
    await s.loadModels();
  });
  afterAll(() => s.shutdown());

  it('answers 200 with the token (any case of the scheme), 401 with a challenge otherwise', async () => {
    const answers = await Promise.all([
      post(s, { authorization: `Bearer ${TOKEN}` }),
      post(s, { authorization: `bearer  ${TOKEN}` }),
      post(s, {}),
      post(s, { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` }),
      post(s, { authorization: 'Bearer' }),
      post(s, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }),
      post(s, { authorization: `Bearer ${TOKEN}x` }),
      post(s, { authorization: `Bearer ${TOKEN} extra` }),
      post(s, { 'x-api-key': TOKEN }),
    ]);
    const missing = [401, 'Bearer realm="activity-ranker"', 'urn:mlservice:problem:unauthorized the request has no bearer token ("Authorization: Bearer <token>")'];
    const wrong = [401, 'Bearer realm="activity-ranker", error="invalid_token"', 'urn:mlservice:problem:unauthorized the bearer token is not valid'];
    expect(answers.map(summary)).toEqual([[200, null, 'ok'], [200, null, 'ok'], missing, missing, missing, wrong, wrong, missing, missing]);
    for (const a of answers.slice(2)) {
      expect(a.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(a.body).not.toContain(TOKEN.slice(4, 20));
    }
  });

  it('checks the token before reading the body: a malformed or oversized body without it is a 401', async () => {
    const answers = await Promise.all([post(s, {}, '{"features": [1, 2,'), post(s, {}, 'x'.repeat(10_000)), post(s, { authorization: `Bearer ${TOKEN}` }, '{"features": [1, 2,')]);
    expect(answers.map((a) => [a.statusCode, a.json().type])).toEqual([
      [401, 'urn:mlservice:problem:unauthorized'],
      [401, 'urn:mlservice:problem:unauthorized'],
      [400, 'urn:mlservice:problem:invalid-json'],
    ]);
  });

  it('leaves probes, metrics, metadata and the OpenAPI document open', async () => {
    const paths = ['/livez', '/readyz', '/metrics', '/metadata', '/openapi.json'];
    const statuses = await Promise.all(paths.map((url) => s.app.inject({ method: 'GET', url }).then((r) => r.statusCode)));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
  });

  it('counts refusals in mlservice_requests_total with status 401', async () => {
    const before = await s.app.inject({ method: 'GET', url: '/metrics' });
    const count = (text: string) => Number(/mlservice_requests_total\{api_endpoint="score",variant="none",status="401"\} (\d+)/.exec(text)?.[1] ?? 0);
    await post(s, { authorization: 'Bearer nope' });
    await post(s, {});
    const after = await s.app.inject({ method: 'GET', url: '/metrics' });
    expect(count(after.body) - count(before.body)).toBe(2);
  });
});

describe('API key', () => {
  let s: BuiltService;
  beforeAll(async () => {
    s = await service({ type: 'apiKey', header: 'x-api-key' }, TOKEN);
    await s.loadModels();
  });
  afterAll(() => s.shutdown());

  it('answers 200 with the key in its header, 401 naming the header otherwise', async () => {
    const answers = await Promise.all([
      post(s, { 'x-api-key': TOKEN }),
      post(s, {}),
      post(s, { 'x-api-key': '' }),
      post(s, { authorization: `Bearer ${TOKEN}` }),
      post(s, { 'x-api-key': TOKEN.toUpperCase() }),
      post(s, { 'x-api-key': `${TOKEN},${TOKEN}` }),
    ]);
    const challenge = 'ApiKey realm="activity-ranker", header="x-api-key"';
    const missing = [401, challenge, 'urn:mlservice:problem:unauthorized the request has no API key in header "x-api-key"'];
    const wrong = [401, challenge, 'urn:mlservice:problem:unauthorized the API key in header "x-api-key" is not valid'];
    expect(answers.map(summary)).toEqual([[200, null, 'ok'], missing, missing, missing, wrong, wrong]);
  });
});

describe('start-up without a usable token', () => {
  it.each([
    ['unset', { type: 'bearer' }, undefined, 'server.auth is on but MLSERVICE_AUTH_TOKEN is not set'],
    ['blank', { type: 'bearer' }, ' \n', 'server.auth is on but MLSERVICE_AUTH_TOKEN is not set'],
    ['short', { type: 'apiKey', header: 'x-api-key' }, 'a'.repeat(MIN_TOKEN_LENGTH - 1), `server.auth is on but MLSERVICE_AUTH_TOKEN has 15 characters, fewer than ${MIN_TOKEN_LENGTH}`],
    [
      'not a b64token',
      { type: 'bearer' },
      `${TOKEN} ${TOKEN}`,
      'MLSERVICE_AUTH_TOKEN holds characters a bearer token cannot carry (only letters, digits and -._~+/ (then = padding), as RFC 6750 allows)',
    ],
    ['not visible ASCII', { type: 'apiKey', header: 'x-api-key' }, `${TOKEN}\u00e9`, 'MLSERVICE_AUTH_TOKEN holds characters a header cannot carry (only visible ASCII characters)'],
  ] as const)('%s: refused with MODEL.AUTH_TOKEN, the token never in the message', async (_name, auth, token, detail) => {
    const err = await service(auth, token).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelLoadError);
    expect([(err as ModelLoadError).code, (err as ModelLoadError).detail]).toEqual(['MODEL.AUTH_TOKEN', detail]);
    if (token?.trim()) expect((err as Error).message).not.toContain(token.trim());
  });

  it('accepts any visible ASCII API key of 16 characters or more', async () => {
    const s = await service({ type: 'apiKey', header: 'x-api-key' }, '$!"#%&()*,:;<>?@[]^{|}~');
    await s.shutdown();
  });
});
