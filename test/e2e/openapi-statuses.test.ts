/**
 * Every status the live generated service answers is the one its emitted OpenAPI document
 * declares, with the declared media type, body schema and headers, and every status the document
 * declares is driven here at least once. The service runs as a child process with a real ONNX
 * model and `server.auth` on (bearer): its operational routes are called without a token; its
 * document is the one it serves at /openapi.json (the emitted openapi.yaml with the runtime's
 * operational routes and shared answers, checked equal). Its /metrics, after all of it, passes
 * `promtool check metrics` (Debian's prometheus
 * package; `.ci/prometheus-setup.sh` installs it).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { METRICS } from '../../runtime/src/names.js';
import { emitOpenApi } from '../../src/emit/openapi.js';
import { MINIMAL_YAML } from '../../testkit/fixtures.js';
import { servedDocument } from '../support/openapi-served.js';
import { startLiveService, type LiveService } from '../support/live-service.js';
import { buildMlp } from '../../testkit/onnx-builder.js';
import { promtoolCheckMetrics, promtoolMissing } from '../support/promtool.js';

type Doc = Record<string, any>;

const deploy = MINIMAL_YAML.slice(MINIMAL_YAML.indexOf('deploy:\n'));
const YAML = `apiVersion: mlservice/v1
service: {name: status-probe, description: Answers every status it declares, owner: ds-team}
models:
  - {name: scorer, source: models/scorer/model.onnx}
endpoints:
  - name: score
    model: scorer
    input: {type: object, required: [features], additionalProperties: false, properties: {features: {type: array, items: {type: number}, minItems: 4, maxItems: 4}}}
    output: {type: object, required: [score], properties: {score: {type: number}}}
    batching: {maxBatchSize: 1, maxLatencyMs: 0, maxQueueRows: 1}
server: {bodyLimitBytes: 1024, auth: {type: bearer}}
${deploy}`;

/** The service's token (what the chart would take from a Kubernetes Secret). */
const TOKEN = 'status-probe-token-7c1d0e9b2a';
const AUTHORIZED = { authorization: `Bearer ${TOKEN}` };

/** Hooks of the probe service: the first feature 42 makes the preprocess hook throw (a 500). */
const HOOKS = `import { firstValue } from '@mlservice/runtime/hooks';
import type { Hooks } from './generated/hooks-contract.js';

export const hooks = {
  score: {
    preprocess(input) {
      if (input.features[0] === 42) throw new Error('a bug in the hook');
      return [{ features: Float32Array.from(input.features) }];
    },
    postprocess: (outputs) => ({ score: firstValue(outputs[0]) }),
  },
} satisfies Hooks;
`;

/** `mlservice_requests_total` summed by its `status` label (this service has one endpoint). */
function requestsByStatus(exposition: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of exposition.matchAll(new RegExp(`^${METRICS.requests}\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const status = /(?:^|,)status="(\d+)"/.exec(m[1]!)![1]!;
    out[status] = (out[status] ?? 0) + Number(m[2]);
  }
  return out;
}

interface Answer {
  /** `post /v1/score`, or `unrouted` for a path the document does not have. */
  operation: string;
  status: number;
  headers: Headers;
  text: string;
}

describe('every status the live service answers is declared in its OpenAPI, and every declared one is answered', () => {
  let svc: LiveService;
  let doc: Doc;
  const answers: Answer[] = [];
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);

  async function call(operation: string, path: string, init: RequestInit = {}): Promise<Answer> {
    const res = await fetch(svc.base + path, init);
    const answer = { operation, status: res.status, headers: res.headers, text: await res.text() };
    answers.push(answer);
    return answer;
  }
  const post = (body: string, contentType = 'application/json', auth: Record<string, string> = AUTHORIZED) =>
    call('post /v1/score', '/v1/score', { method: 'POST', headers: { 'content-type': contentType, ...auth }, body });
  const features = (...f: number[]) => JSON.stringify({ features: f });

  // The scenario runs once, here, in the one order it needs (the inference thread dies last); each
  // test below checks what it recorded, so any test runs alone and in any order.
  let predictions: number[];
  let overloadFailures: string[];
  let operational: Array<[string, number]>;
  let counted: { want: Record<string, number>; got: Record<string, number> };
  let metricsText: string;
  let afterDeath: Answer[];

  /** `mlservice_requests_total` by status as scraped, once it shows every prediction answered so far (bounded). */
  async function countedRequests(): Promise<{ want: Record<string, number>; got: Record<string, number> }> {
    const want: Record<string, number> = {};
    for (const a of answers.filter((x) => x.operation === 'post /v1/score')) want[a.status] = (want[a.status] ?? 0) + 1;
    // A request refused before its handler (413, 415, invalid JSON) is counted when its response
    // has been written, which may be just after the client read it: scrape until it shows (bounded).
    let got: Record<string, number> = {};
    for (let i = 0; i < 20; i++) {
      got = requestsByStatus(await (await fetch(`${svc.base}/metrics`)).text());
      if (JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(want).sort())) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return { want, got };
  }

  beforeAll(async () => {
    svc = await startLiveService({
      yaml: YAML,
      hooks: HOOKS,
      models: async (dir) => {
        await mkdir(join(dir, 'scorer'), { recursive: true });
        await writeFile(join(dir, 'scorer', 'model.onnx'), buildMlp({ inputDim: 4, hidden: [256, 256], seed: 5 }));
      },
      // A thread per model, so the test can make it die (an uncaught error between two batches).
      env: { MLSERVICE_INFERENCE_THREAD: 'worker', MLSERVICE_AUTH_TOKEN: TOKEN },
      execArgv: ['--import', new URL('../support/kill-inference-threads.mjs', import.meta.url).href],
    });
    doc = (await (await fetch(`${svc.base}/openapi.json`)).json()) as Doc;
    ajv.addSchema({ $id: 'oas', components: doc.components }, 'oas');
    predictions = [
      (await post(features(0.1, 0.2, 0.3, 0.4))).status,
      (await post(features(0.1, 0.2, 0.3, 0.4), 'application/json', {})).status,
      (await post(features(0.1, 0.2, 0.3, 0.4), 'application/json', { authorization: 'Bearer wrong' })).status,
      (await post(JSON.stringify({ features: [1, 'x', 3, 4] }))).status,
      (await post('{"features": [1, 2')).status,
      (await post(features(1, 1e39, 3, 4))).status,
      (await call('unrouted', '/v1/nothing')).status,
      (await call('unrouted', '/v1/score', { method: 'GET' })).status,
      (await post(features(...new Array<number>(1000).fill(1)))).status,
      (await post(features(1, 2, 3, 4), 'text/plain')).status,
      // Representable in float32, but the model overflows inside (Inf - Inf) and answers NaN.
      (await post(features(3e38, -3e38, 3e38, -3e38))).status,
      (await post(features(42, 0, 0, 0))).status,
    ];
    // Overload: a burst against a queue of one row; bounded, and stops at the first 429.
    overloadFailures = [];
    for (let burst = 0; burst < 20 && !answers.some((a) => a.status === 429); burst++) {
      const got = await Promise.all(Array.from({ length: 40 }, () => post(features(0.5, 0.5, 0.5, 0.5))));
      overloadFailures.push(...got.filter((a) => a.status !== 200 && a.status !== 429).map((a) => a.text));
    }
    operational = [];
    for (const path of ['/livez', '/readyz', '/metrics', '/metadata']) operational.push([path, (await call(`get ${path}`, path)).status]);
    counted = await countedRequests();
    metricsText = await (await fetch(`${svc.base}/metrics`)).text();
    // Last: kill the inference thread (on SIGUSR2 the preloaded hook makes it throw an uncaught error).
    svc.child.kill('SIGUSR2');
    for (let i = 0; i < 100 && (await fetch(`${svc.base}/livez`)).status !== 503; i++) await new Promise((r) => setTimeout(r, 50));
    afterDeath = [await call('get /livez', '/livez'), await call('get /readyz', '/readyz'), await post(features(1, 2, 3, 4))];
  });
  afterAll(() => svc?.stop());

  it("serves the emitted openapi.yaml, with the runtime's routes and answers resolved, at /openapi.json", () => {
    expect(doc).toEqual(servedDocument(parse(emitOpenApi(svc.model)[0]!.content)));
  });

  it('answers 200, 400 (schema, JSON, unfit value), 401, 404, 413, 415, 422, 429 and 500 on a prediction endpoint', () => {
    expect(predictions).toEqual([200, 401, 401, 400, 400, 400, 404, 404, 413, 415, 422, 500]);
    expect(overloadFailures).toEqual([]);
    expect(answers.some((a) => a.status === 429)).toBe(true);
  });

  it('answers 200 on every operational route', () => {
    expect(operational).toEqual([
      ['/livez', 200],
      ['/readyz', 200],
      ['/metrics', 200],
      ['/metadata', 200],
    ]);
  });

  it('counts every prediction request in mlservice_requests_total by status, refused before the handler or not', () => {
    expect(counted.got).toEqual(counted.want);
    expect(Object.keys(counted.want).sort()).toEqual(['200', '400', '401', '413', '415', '422', '429', '500']);
  });

  it('exposes /metrics that promtool check metrics finds clean', async () => {
    expect(promtoolMissing()).toBeNull();
    expect(metricsText).toMatch(/mlservice_requests_total\{[^}]*status="415"/);
    expect(await promtoolCheckMetrics(metricsText)).toEqual({ code: 0, output: '' });
  });

  it('answers 503 model-failed on /livez, /readyz and predictions once its inference thread dies (the test makes it throw an uncaught error)', () => {
    expect(afterDeath.map((a) => a.status)).toEqual([503, 503, 503]);
    expect(JSON.parse(afterDeath[0]!.text).type).toBe('urn:mlservice:problem:model-failed');
  });

  it('every answer matches the document: status declared for its operation, media type, schema, headers', () => {
    const problems = answers.flatMap((a) => conformance(a));
    expect(problems).toEqual([]);
  });

  it('every status the document declares was answered (shared responses at least once)', () => {
    const answered = new Set(answers.map((a) => `${a.operation} ${a.status}`));
    const answeredResponses = new Set(answers.map((a) => responseName(a)).filter(Boolean));
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Doc)) {
      for (const [method, op] of Object.entries(item as Doc)) {
        for (const [status, response] of Object.entries(op.responses as Doc)) {
          const name = response.$ref ? String(response.$ref).split('/').at(-1) : undefined;
          // 404 and 500 are shared by every operation and cannot be caused on a route that exists
          // and works: their one response definition is checked where they are answered.
          const covered = answered.has(`${method} ${path} ${status}`) || (name !== undefined && ['NotFound', 'InternalError'].includes(name) && answeredResponses.has(name));
          if (!covered) missing.push(`${method} ${path} ${status}`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(answeredResponses).toEqual(new Set(Object.keys(doc.components.responses)));
  });

  /** The `components.responses` name an answer's status maps to, if any. */
  function responseName(a: Answer): string | undefined {
    if (a.operation === 'unrouted') return a.status === 404 ? 'NotFound' : undefined;
    const [method, path] = a.operation.split(' ') as [string, string];
    const r = doc.paths[path]?.[method]?.responses?.[String(a.status)];
    return r?.$ref ? String(r.$ref).split('/').at(-1) : undefined;
  }

  function conformance(a: Answer): string[] {
    const where = `${a.operation} ${a.status}`;
    let response: Doc | undefined;
    if (a.operation === 'unrouted') response = a.status === 404 ? { $ref: '#/components/responses/NotFound' } : undefined;
    else {
      const [method, path] = a.operation.split(' ') as [string, string];
      response = doc.paths[path][method].responses[String(a.status)];
    }
    if (response?.$ref) response = doc.components.responses?.[String(response.$ref).split('/').at(-1)!] as Doc | undefined;
    if (!response) return [`${where}: not declared`];
    const out: string[] = [];
    const [media, content] = Object.entries(response.content as Record<string, { schema: Doc }>)[0]!;
    const type = a.headers.get('content-type') ?? '';
    if (!type.startsWith(media)) out.push(`${where}: content-type ${type}, declared ${media}`);
    if (media.includes('json')) {
      const schema = content.schema.$ref ? { $ref: `oas${String(content.schema.$ref)}` } : content.schema;
      const validate = ajv.compile(schema);
      if (!validate(JSON.parse(a.text))) out.push(`${where}: ${ajv.errorsText(validate.errors)}`);
    }
    for (const [name, header] of Object.entries((response.headers ?? {}) as Record<string, Doc>)) {
      const h = header.$ref ? (doc.components.headers[String(header.$ref).split('/').at(-1)!] as Doc) : header;
      const value = a.headers.get(name);
      if (value === null) {
        if (h.required || name === 'Retry-After') out.push(`${where}: header ${name} missing`);
        continue;
      }
      if (!ajv.validate(h.schema, h.schema.type === 'integer' ? Number(value) : value)) out.push(`${where}: header ${name}=${value}: ${ajv.errorsText()}`);
    }
    return out;
  }
});
