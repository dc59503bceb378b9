/**
 * The assembled service with real ONNX models, through Fastify's request injection (the whole
 * HTTP pipeline minus the socket) and, for concurrency, through a real listening socket.
 */
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildService, type BuiltService } from '../src/server.js';
import { METRICS } from '../src/names.js';
import { loadOpenApi } from '../src/openapi.js';
import { modelBytes, modelsOnWorkerThreads, serviceDefinition, writeModels } from './support/service-fixture.js';

let modelsDir: string;
let lockPath: string;
const env = () => ({ LOG_LEVEL: 'silent', MLSERVICE_MODELS_LOCK: lockPath, MLSERVICE_REVISION: '0a1b2c3' });

beforeAll(async () => ({ modelsDir, lockPath } = await writeModels()));

async function started(def = serviceDefinition()): Promise<BuiltService> {
  const s = await buildService(def, { modelsDir }, env());
  await s.loadModels();
  return s;
}

/** The value of one Prometheus sample, matched by name and exact label set (label order ignored). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (m && m[1] === name && m[2]!.split(',').sort().join(',') === want) return Number(m[3]);
  }
  throw new Error(`no sample ${name}{${want}}`);
}

const post = (s: BuiltService, url: string, payload: unknown, headers: Record<string, string> = {}) => s.app.inject({ method: 'POST', url, payload: payload as object, headers });

describe('readiness and metadata', () => {
  it('answers /livez at once, /readyz 503 until the models are loaded and warmed, then 200', async () => {
    const s = await buildService(serviceDefinition(), { modelsDir }, env());
    expect((await s.app.inject('/livez')).statusCode).toBe(200);
    const before = await s.app.inject('/readyz');
    expect([before.statusCode, before.headers['content-type'], before.json().type]).toEqual([503, 'application/problem+json; charset=utf-8', 'urn:mlservice:problem:not-ready']);
    const early = await post(s, '/v1/score', { features: [1, 2, 3, 4] });
    expect([early.statusCode, early.headers['retry-after']]).toEqual([503, '1']);
    await s.loadModels();
    expect((await s.app.inject('/readyz')).statusCode).toBe(200);
    await s.shutdown();
  });

  it('reports the service, revision and every model identity from models.lock.json', async () => {
    const s = await started();
    const metadata = (await s.app.inject('/metadata')).json();
    // auto (the default) timed each model's full batch and, for models this small, kept them on the event-loop thread.
    const placed = { inferenceThread: 'main', fullBatchMs: expect.any(Number), inferenceNice: null };
    expect(metadata).toEqual({
      service: { name: 'activity-ranker', version: '1.2.3', description: 'Ranks activities', revision: '0a1b2c3' },
      models: [
        { name: 'model-a', source: 'models:/ranker/12', version: '12', runId: 'run-a', sha256: 'a'.repeat(64), ...placed },
        { name: 'model-b', source: 'models:/ranker@challenger', version: '13', runId: 'run-b', sha256: 'b'.repeat(64), ...placed },
      ],
    });
    for (const m of metadata.models as Array<{ fullBatchMs: number }>) expect(m.fullBatchMs).toBeGreaterThan(0);
    await s.shutdown();
  });

  it('serves the OpenAPI document with the runtime routes, and a docs page that loads nothing from the internet', async () => {
    const s = await started();
    const served = (await s.app.inject('/openapi.json')).json();
    expect(served).toEqual(await loadOpenApi(serviceDefinition().openapi));
    expect(Object.keys(served.paths)).toEqual(['/v1/score', '/v1/rank', '/livez', '/readyz', '/metrics', '/metadata']);
    expect(served.info).toEqual({ title: 'activity-ranker', version: '1.2.3' });
    const page = await s.app.inject('/docs/');
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toMatch(/(src|href)="https?:/);
    expect(page.body).toContain('<title>activity-ranker API</title>');
    expect((await s.app.inject('/docs/static/swagger-ui-bundle.js')).statusCode).toBe(200);
    await s.shutdown();
  });
});

describe('shutdown', () => {
  it('turns readiness off at once and still answers every request already received', async () => {
    const s = await started();
    const payload = { user_id: 'u', items: Array.from({ length: 8 }, (_, i) => [i, 1, 2, 3]) };
    const received = Array.from({ length: 10 }, () => post(s, '/v1/rank', payload));
    await new Promise((r) => setImmediate(r));
    const closing = s.shutdown();
    const ready = await s.app.inject('/readyz');
    expect([ready.statusCode, ready.headers['retry-after'], ready.json().type]).toEqual([503, '1', 'urn:mlservice:problem:shutting-down']);
    const answers = await Promise.all(received);
    expect(answers.map((a) => [a.statusCode, a.headers.connection])).toEqual(answers.map(() => [200, 'close']));
    await closing;
  });
});

describe('predictions', () => {
  let s: BuiltService;
  beforeAll(async () => (s = await started()));
  afterAll(() => s.shutdown());

  it('equal onnxruntime run directly on the same rows', async () => {
    const items = [
      [0.1, 0.2, 0.3, 0.4],
      [1, -1, 1, -1],
      [5, 4, 3, 2],
    ];
    const direct = await ort.InferenceSession.create(modelBytes.b);
    const expected = Array.from((await direct.run({ features: new ort.Tensor('float32', Float32Array.from(items.flat()), [3, 4]) })).score!.data as Float32Array);
    const res = await post(s, '/v1/rank', { user_id: 'u1', items }, { 'x-force-variant': 'treatment' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-mlservice-variant']).toBe('treatment');
    expect(res.json()).toEqual({ model: { name: 'model-b', version: '13' }, scores: expected });
    const one = await post(s, '/v1/score', { features: items[0] });
    const a = await ort.InferenceSession.create(modelBytes.a);
    const ea = (await a.run({ features: new ort.Tensor('float32', Float32Array.from(items[0]!), [1, 4]) })).score!.data as Float32Array;
    expect([one.headers['x-mlservice-variant'], one.json()]).toEqual(['default', { score: ea[0] }]);
  });

  it('answers a bad body with 400 problem+json naming the field', async () => {
    const res = await post(s, '/v1/rank', { user_id: 7, items: [[1, 2, 3]] });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toEqual({
      type: 'urn:mlservice:problem:invalid-request',
      title: 'Bad Request',
      status: 400,
      detail: 'the request body does not match the endpoint schema',
      instance: '/v1/rank',
      errors: [
        { pointer: '/user_id', message: 'must be string' },
        { pointer: '/items/0', message: 'must NOT have fewer than 4 items' },
      ],
    });
    const missing = await post(s, '/v1/score', {});
    expect(missing.json().errors).toEqual([{ pointer: '/features', message: "must have required property 'features'" }]);
    const extra = await post(s, '/v1/score', { features: [1, 2, 3, 4], 'a/b~c': 1 });
    expect(extra.json().errors).toEqual([{ pointer: '/a~1b~0c', message: 'must NOT have additional properties' }]);
  });

  it('answers malformed JSON with 400 and an oversized body with 413, both problem+json', async () => {
    const bad = await s.app.inject({ method: 'POST', url: '/v1/score', payload: '{"features": [1,', headers: { 'content-type': 'application/json' } });
    expect([bad.statusCode, bad.json().type]).toEqual([400, 'urn:mlservice:problem:invalid-json']);
    const big = await post(s, '/v1/rank', { user_id: 'u', items: Array.from({ length: 1000 }, () => [1, 2, 3, 4]) });
    expect([big.statusCode, big.json().title, big.json().type]).toEqual([413, 'Payload Too Large', 'urn:mlservice:problem:body-too-large']);
  });

  it('answers a number the model input cannot hold with 400 naming the field, and keeps serving', async () => {
    // 1e39 is valid JSON and valid for `type: number`, but float32 holds at most ±3.4028234663852886e38.
    const res = await s.app.inject({ method: 'POST', url: '/v1/score', payload: '{"features": [1, 1e39, 3, 4]}', headers: { 'content-type': 'application/json' } });
    expect([res.statusCode, res.json().type, res.json().errors]).toEqual([
      400,
      'urn:mlservice:problem:invalid-request',
      [{ pointer: '/features/1', message: 'must fit float32, the element type of model input "features": finite numbers up to ±3.4028234663852886e+38' }],
    ]);
    // 1e400 overflows JSON's own doubles: the schema validator refuses it (strictNumbers) before any hook.
    const huge = await s.app.inject({ method: 'POST', url: '/v1/score', payload: '{"features": [1, 2, -1e400, 4]}', headers: { 'content-type': 'application/json' } });
    expect([huge.statusCode, huge.json().errors.map((e: { pointer: string }) => e.pointer)]).toEqual([400, ['/features/2']]);
    expect((await post(s, '/v1/score', { features: [3.4028234663852886e38, 0, 0, 0] })).statusCode).toBe(200);
    expect((await s.app.inject('/metrics')).statusCode).toBe(200);
  });

  it('answers a NaN prediction with 422 problem+json, never a 500 from the score metric, never null', async () => {
    // Representable in float32, but the model overflows inside (Inf - Inf) and its Sigmoid gives NaN.
    const res = await post(s, '/v1/score', { features: [3e38, -3e38, 3e38, -3e38] });
    expect([res.statusCode, res.headers['content-type'], res.json()]).toEqual([
      422,
      'application/problem+json; charset=utf-8',
      {
        type: 'urn:mlservice:problem:non-finite-output',
        title: 'Unprocessable Content',
        status: 422,
        detail: 'model "model-a" gave NaN at /score for this input; JSON has no such number',
        instance: '/v1/score',
      },
    ]);
    const text = (await s.app.inject('/metrics')).body;
    expect(sample(text, METRICS.requests, { api_endpoint: 'score', variant: 'default', status: '422' })).toBe(1);
    expect((await post(s, '/v1/score', { features: [1, 2, 3, 4] })).statusCode).toBe(200);
  });

  it('rejects an unknown forced variant with 400, and an unknown route with 404', async () => {
    const res = await post(s, '/v1/rank', { user_id: 'u', items: [[1, 2, 3, 4]] }, { 'x-force-variant': 'nope' });
    expect([res.statusCode, res.json().errors]).toEqual([400, [{ pointer: '', message: 'unknown variant "nope"' }]]);
    expect((await s.app.inject('/v1/nothing')).statusCode).toBe(404);
  });

  it('keeps a user on one variant and labels metrics with it', async () => {
    const count = async (variant: string) => {
      const text = (await s.app.inject('/metrics')).body;
      return text.includes(`variant="${variant}"`) ? sample(text, METRICS.requests, { api_endpoint: 'rank', variant, status: '200' }) : 0;
    };
    const before = { control: await count('control'), treatment: await count('treatment') };
    const variants = new Set<string>();
    for (let i = 0; i < 3; i++) variants.add(String((await post(s, '/v1/rank', { user_id: 'sticky-user', items: [[1, 2, 3, 4]] })).headers['x-mlservice-variant']));
    expect(variants.size).toBe(1);
    const v = [...variants][0] as 'control' | 'treatment';
    expect((await count(v)) - before[v]).toBe(3);
  });

  it('exports every metric name of names.ts', async () => {
    const res = await s.app.inject('/metrics');
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const name of Object.values(METRICS)) expect(res.body).toContain(`# TYPE ${name} `);
    expect(sample(res.body, METRICS.buildInfo, { version: '1.2.3', revision: '0a1b2c3' })).toBe(1);
    expect(res.body).toContain('process_cpu_seconds_total');
  });
});

describe("the batcher's latency model as metrics", () => {
  it('exports no fit before a batch ran, then the fitted cost of the batches seen', async () => {
    const s = await started();
    const perRow = METRICS.batchCostPerRow;
    const before = (await s.app.inject('/metrics')).body;
    expect(before).toContain(`# TYPE ${perRow} gauge`);
    expect(before.split('\n').filter((l) => l.startsWith(`${perRow}{`))).toEqual([]);
    expect((await post(s, '/v1/score', { features: [1, 2, 3, 4] })).statusCode).toBe(200);
    const after = (await s.app.inject('/metrics')).body;
    // One batch of one row: the whole cost is per row, exactly the one inference measured.
    const inference = sample(after, `${METRICS.inferenceDuration}_sum`, { model: 'model-a' });
    expect(inference).toBeGreaterThan(0);
    expect(sample(after, perRow, { model: 'model-a' })).toBe(inference);
    expect(sample(after, METRICS.batchCostFixed, { model: 'model-a' })).toBe(0);
    // One batch: nothing to compare with the fit yet.
    expect(sample(after, METRICS.batchCostOverrun, { model: 'model-a' })).toBe(0);
    expect(sample(after, METRICS.predictedQueueWait, { model: 'model-a' })).toBe(0);
    expect(after.split('\n').filter((l) => l.startsWith(`${perRow}{`))).toEqual([`${perRow}{model="model-a"} ${inference}`]);
    await s.shutdown();
  });
});

describe('requests refused before the handler', () => {
  it('answers JSON sent as text/plain with 415 and counts 413, 415 and invalid JSON in mlservice_requests_total', async () => {
    const s = await started();
    const json = '{"features": [1, 2, 3, 4]}';
    const text = await s.app.inject({ method: 'POST', url: '/v1/score', payload: json, headers: { 'content-type': 'text/plain' } });
    expect([text.statusCode, text.json().type]).toEqual([415, 'urn:mlservice:problem:unsupported-media-type']);
    const broken = await s.app.inject({ method: 'POST', url: '/v1/score', payload: '{"features"', headers: { 'content-type': 'application/json' } });
    const big = await post(s, '/v1/rank', { user_id: 'u', items: Array.from({ length: 1000 }, () => [1, 2, 3, 4]) });
    expect([broken.statusCode, big.statusCode]).toEqual([400, 413]);
    const metrics = (await s.app.inject('/metrics')).body;
    const count = (endpoint: string, status: string) => sample(metrics, METRICS.requests, { api_endpoint: endpoint, variant: 'none', status });
    expect([count('score', '415'), count('score', '400'), count('rank', '413')]).toEqual([1, 1, 1]);
    expect(sample(metrics, `${METRICS.requestDuration}_count`, { api_endpoint: 'rank', variant: 'none' })).toBe(1);
    await s.shutdown();
  });
});

describe('errors', () => {
  it('turns a failing hook into 500 problem+json without internals, and a wrong media type into 415', async () => {
    const def = serviceDefinition();
    def.endpoints[0]!.postprocess = () => {
      throw new Error('secret detail at /srv/app/hooks.ts:12');
    };
    const s = await started(def);
    const res = await post(s, '/v1/score', { features: [1, 2, 3, 4] }, { 'x-request-id': 'req-123' });
    expect([res.statusCode, res.headers['x-request-id']]).toEqual([500, 'req-123']);
    expect(res.json()).toEqual({
      type: 'urn:mlservice:problem:internal',
      title: 'Internal Server Error',
      status: 500,
      detail: 'the service failed to answer this request; the error is in its log',
      instance: '/v1/score',
    });
    const text = await s.app.inject({ method: 'POST', url: '/v1/score', payload: '<features/>', headers: { 'content-type': 'application/xml' } });
    expect([text.statusCode, text.json().type]).toEqual([415, 'urn:mlservice:problem:unsupported-media-type']);
    await s.shutdown();
  });
});

describe('a client that goes away', () => {
  it('has its rows dropped before they reach the model, counted as client_gone', async () => {
    // The preprocess hook holds the request until the server has seen the client's socket close.
    let arrived!: () => void;
    const atHook = new Promise<void>((r) => (arrived = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const def = serviceDefinition();
    const inner = def.endpoints[0]!.preprocess;
    def.endpoints[0]!.preprocess = async (input: { features: number[] }, ctx) => {
      arrived();
      await gate;
      return inner(input, ctx);
    };
    const s = await started(def);
    const url = await s.app.listen({ port: 0, host: '127.0.0.1' });
    s.app.server.once('connection', (socket) => socket.once('close', () => release()));
    const ac = new AbortController();
    const gone = fetch(`${url}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"features":[1,2,3,4]}', signal: ac.signal });
    await atHook;
    ac.abort();
    await expect(gone).rejects.toThrow();
    await gate;
    const text = async () => (await s.app.inject('/metrics')).body;
    while (!(await text()).includes('reason="client_gone"')) await new Promise((r) => setImmediate(r));
    expect(sample(await text(), METRICS.shed, { api_endpoint: 'score', reason: 'client_gone' })).toBe(1);
    // The model's series exist from start-up (at 0): no batch ran.
    expect(sample(await text(), `${METRICS.batchSize}_count`, { model: 'model-a' })).toBe(0);
    await s.shutdown();
  });
});

describe('under concurrency', () => {
  modelsOnWorkerThreads();

  it('forms batches larger than one row', async () => {
    // Injected requests reach the batcher before the first batch returns from the thread pool, so
    // batching shows without depending on socket timing (a real socket is used above and in shutdown).
    const s = await started();
    const res = await Promise.all(Array.from({ length: 64 }, (_, i) => post(s, '/v1/score', { features: [i, 1, 2, 3] })));
    expect(res.map((r) => r.statusCode)).toEqual(res.map(() => 200));
    const text = (await s.app.inject('/metrics')).body;
    const labels = { model: 'model-a' };
    expect(sample(text, 'mlservice_batch_size_sum', labels)).toBe(64);
    expect(sample(text, 'mlservice_batch_size_bucket', { ...labels, le: '1' })).toBeLessThan(sample(text, 'mlservice_batch_size_count', labels));
    await s.shutdown();
  });

  it('sheds overload with 429 problem+json and Retry-After, and keeps serving', async () => {
    // Injected requests all reach the batcher before the first batch returns from the thread pool,
    // so the 16-row queue overflows without depending on timing.
    const s = await started(serviceDefinition({ maxBatchSize: 8, maxQueueRows: 16 }));
    const payload = { user_id: 'u', items: Array.from({ length: 8 }, (_, i) => [i, 1, 2, 3]) };
    const res = await Promise.all(Array.from({ length: 40 }, () => post(s, '/v1/rank', payload)));
    expect(res.every((r) => r.statusCode === 200 || r.statusCode === 429)).toBe(true);
    const shed = res.filter((r) => r.statusCode === 429);
    expect(shed.length).toBeGreaterThan(0);
    expect(Number(shed[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect([shed[0]!.headers['content-type'], shed[0]!.json().type]).toEqual(['application/problem+json; charset=utf-8', 'urn:mlservice:problem:overloaded']);
    expect((await post(s, '/v1/rank', payload)).statusCode).toBe(200);
    const text = (await s.app.inject('/metrics')).body;
    expect(sample(text, METRICS.shed, { api_endpoint: 'rank', reason: 'queue_full' })).toBe(shed.length);
    await s.shutdown();
  });

  it('refuses requests that cannot start within the queue budget with 503 queue-budget-exceeded and Retry-After, counted by reason', async () => {
    // 100 requests of 64 rows at once, in batches of 8: 800 batches queue behind each other, far
    // more than a 1 ms budget covers once the first request has taught the batcher what a batch
    // costs. A request to an idle model starts at once and is answered.
    const s = await started(serviceDefinition({ maxBatchSize: 8, maxQueueRows: 100_000, queueBudgetMs: 1 }));
    const payload = { user_id: 'u', items: Array.from({ length: 64 }, (_, i) => [i, 1, 2, 3]) };
    expect((await post(s, '/v1/rank', payload)).statusCode).toBe(200);
    const res = await Promise.all(Array.from({ length: 100 }, () => post(s, '/v1/rank', payload)));
    expect(res.filter((r) => r.statusCode !== 200 && r.statusCode !== 503).map((r) => r.statusCode)).toEqual([]);
    const refused = res.filter((r) => r.statusCode === 503);
    expect(refused.length).toBeGreaterThan(50);
    for (const r of refused) {
      expect([r.headers['content-type'], r.json().type]).toEqual(['application/problem+json; charset=utf-8', 'urn:mlservice:problem:queue-budget-exceeded']);
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    const text = (await s.app.inject('/metrics')).body;
    const byReason = (reason: string) => {
      try {
        return sample(text, METRICS.shed, { api_endpoint: 'rank', reason });
      } catch {
        return 0;
      }
    };
    expect(byReason('queue_budget') + byReason('queue_expired')).toBe(refused.length);
    expect(byReason('queue_budget')).toBeGreaterThan(0);
    // Refused before the body was read (no variant chosen yet: 'none') or by the chosen model's batcher.
    const variant = res[0]!.headers['x-mlservice-variant'] as string;
    const counted = (v: string) => {
      try {
        return sample(text, METRICS.requests, { api_endpoint: 'rank', variant: v, status: '503' });
      } catch {
        return 0;
      }
    };
    expect(counted(variant) + counted('none')).toBe(refused.length);
    expect((await post(s, '/v1/rank', payload)).statusCode).toBe(200);
    await s.shutdown();
  });

  it('refuses from the headers alone when every model of the endpoint predicts a wait over budget: the body is never parsed', async () => {
    // A backlog on model-a only (the rank endpoint's control variant, forced by header): 100
    // requests of 64 rows in batches of 8, under a budget of a minute so all of it queues (with
    // /v1/score's 1 ms, most of the backlog would be refused and the queue gone before it is
    // sampled). /v1/score routes only to model-a, so a request with a body that is not even JSON
    // gets the budget's 503, not a 400: nothing read the body. /v1/rank may still route to the idle
    // model-b, so it reads the body and answers the 400.
    const def = serviceDefinition({ maxBatchSize: 8, maxQueueRows: 100_000, queueBudgetMs: 1 });
    def.endpoints[1]!.batching = { ...def.endpoints[1]!.batching, queueBudgetMs: 60_000 };
    const s = await started(def);
    const payload = { user_id: 'u', items: Array.from({ length: 64 }, (_, i) => [i, 1, 2, 3]) };
    const force = { 'x-force-variant': 'control' };
    expect((await post(s, '/v1/rank', payload, force)).statusCode).toBe(200);
    const backlog = Promise.all(Array.from({ length: 100 }, () => post(s, '/v1/rank', payload, force)));
    const predictedWaitMs = async () => 1000 * sample((await s.app.inject('/metrics')).body, METRICS.predictedQueueWait, { model: 'model-a' });
    while ((await predictedWaitMs()) <= 1) await new Promise((r) => setImmediate(r));
    const notJson = { 'content-type': 'application/json' };
    const [score, rank] = await Promise.all([
      s.app.inject({ method: 'POST', url: '/v1/score', payload: '{"features": [1, 2', headers: notJson }),
      s.app.inject({ method: 'POST', url: '/v1/rank', payload: '{"user_id": ', headers: notJson }),
    ]);
    expect([score.statusCode, score.json().type, Number(score.headers['retry-after']) >= 1]).toEqual([503, 'urn:mlservice:problem:queue-budget-exceeded', true]);
    expect(score.json().detail).toMatch(/^model "model-a" would start this request in about \d+ ms, over its queue budget of 1 ms; retry after \d+s$/);
    expect([rank.statusCode, rank.json().type]).toEqual([400, 'urn:mlservice:problem:invalid-json']);
    await backlog;
    const text = (await s.app.inject('/metrics')).body;
    expect(sample(text, METRICS.requests, { api_endpoint: 'score', variant: 'none', status: '503' })).toBe(1);
    expect(sample(text, METRICS.shed, { api_endpoint: 'score', reason: 'queue_budget' })).toBe(1);
    await s.shutdown();
  });
});
