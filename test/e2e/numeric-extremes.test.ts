/**
 * Fuzz over numeric extremes, per ONNX element type, through the live generated service with real
 * ONNX models: one `Cast(x) -> float32` model per type onnxruntime-node feeds (so an answer shows
 * exactly what reached the model) and a `Log` model (log 0 = -Infinity, log -1 = NaN).
 *
 * Every value is valid JSON and valid for the endpoint schema (`type: number`). The service must
 * never answer 5xx: a value the model input's type cannot hold is a 400 naming `/x/0`, a value it
 * holds is answered exactly, and an answer that would be NaN or Infinity is a 422.
 * Two services: hooks that pass the JSON numbers through untouched (the runtime sees the raw
 * values), and the hooks `mlgen sync` writes by default (a typed array row for float inputs, a
 * plain array for every other element type).
 */
import { f16round } from '@petamoriken/float16';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMAL_YAML } from '../../testkit/fixtures.js';
import { postRaw, startLiveService, type LiveService } from '../support/live-service.js';
import { buildElementwise, ONNX_ELEM_TYPES, seededRandom } from '../../testkit/onnx-builder.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

type ElemType = keyof typeof ONNX_ELEM_TYPES;
const TYPES = Object.keys(ONNX_ELEM_TYPES) as ElemType[];

/** Edges of every type, written as JSON text (1e400 parses to Infinity, 1e-400 to 0). */
const EDGES = [
  '0',
  '-0',
  '1',
  '-1',
  '0.5',
  '-0.5',
  '1.5',
  '7',
  '127',
  '128',
  '-128',
  '-129',
  '255',
  '256',
  '32767',
  '32768',
  '-32768',
  '-32769',
  '65504',
  '65519',
  '65520',
  '-65520',
  '65535',
  '65536',
  '2147483647',
  '2147483648',
  '-2147483648',
  '-2147483649',
  '3e9',
  '4294967295',
  '4294967296',
  '9007199254740991',
  '9007199254740993',
  '9223372036854774784',
  '9223372036854775807',
  '-9223372036854775808',
  '-9223372036854777856',
  '18446744073709549568',
  '18446744073709551616',
  '3.4028234663852886e38',
  '3.4028235677973362e38',
  '3.4028235677973366e38',
  '-3.4028235677973366e38',
  '1e39',
  '-1e39',
  '1e300',
  '1.7976931348623157e308',
  '-1.7976931348623157e308',
  '1e400',
  '-1e400',
  '1e-400',
  '5e-324',
  '1e-45',
  '1e-8',
];

/** Plus ±m·10^e over the whole double range, from a fixed seed (the same values every run). */
function sample(n: number): string[] {
  const rand = seededRandom(9);
  return Array.from({ length: n }, () => `${rand() < 0.5 ? '-' : ''}${(1 + rand() * 9).toFixed(3)}e${Math.round(rand() * 640 - 320)}`);
}
const VALUES = [...EDGES, ...sample(60)];

const INT_RANGES: Partial<Record<ElemType, [bigint, bigint]>> = {
  int8: [-128n, 127n],
  uint8: [0n, 255n],
  int16: [-32768n, 32767n],
  uint16: [0n, 65535n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/**
 * The test's own statement of what each type holds (written apart from the runtime's):
 * @see https://onnx.ai/onnx/intro/concepts.html#element-type
 */
function fits(type: ElemType, v: number): boolean {
  const range = INT_RANGES[type];
  if (range) return Number.isInteger(v) && BigInt(v) >= range[0] && BigInt(v) <= range[1];
  if (type === 'bool') return v === 0 || v === 1;
  if (type === 'float16') return Number.isFinite(f16round(v));
  if (type === 'float32') return Number.isFinite(Math.fround(v));
  return Number.isFinite(v);
}

/** What Cast(x) to float32 gives for a value that fits. */
function cast(type: ElemType, v: number): number {
  return Math.fround(type === 'float16' ? f16round(v) : v);
}

/**
 * Each value type's requests go out at once (114 in flight). A queue budget of a minute: this test
 * is about what each value is answered, and on a shared 2-core machine the default budget (100 ms)
 * rightly sheds part of such a burst with 503 `queue-budget-exceeded` (seen at load 14).
 */
const BATCHING = '{queueBudgetMs: 60000}';

const yaml = (() => {
  const [head, deploy] = MINIMAL_YAML.split('deploy:\n');
  const service = head!.slice(0, head!.indexOf('models:'));
  const input = '{type: object, required: [x], additionalProperties: false, properties: {x: {type: array, items: {type: number}, minItems: 3, maxItems: 3}}}';
  const models = [...TYPES.map((t) => `cast-${t}`), 'log'].map((m) => `  - {name: ${m}, source: models/${m}/model.onnx}`);
  const endpoints = [
    ...TYPES.map((t) => `  - {name: cast-${t}, model: cast-${t}, batching: ${BATCHING}, input: ${input}, output: {type: object, required: [y], properties: {y: {type: number}}}}`),
    `  - {name: log, model: log, batching: ${BATCHING}, input: ${input}, output: {type: object, required: [y], properties: {y: {type: array, items: {type: number}}}}}`,
  ];
  return `${service}models:\n${models.join('\n')}\nendpoints:\n${endpoints.join('\n')}\ndeploy:\n${deploy}`;
})();

async function writeModels(dir: string): Promise<void> {
  const files: Array<[string, Uint8Array]> = [
    ...TYPES.map((t): [string, Uint8Array] => [`cast-${t}`, buildElementwise({ op: 'Cast', inputType: t, width: 3 })]),
    ['log', buildElementwise({ op: 'Log', inputType: 'float32', width: 3 })],
  ];
  for (const [name, bytes] of files) {
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(join(dir, name, 'model.onnx'), bytes);
  }
}

/** Hooks that hand the JSON numbers to the model as they came. */
const PASS_THROUGH_HOOKS = `import { firstValue, outputValues } from '@mlservice/runtime/hooks';
import type { Hooks } from './generated/hooks-contract.js';

export const hooks = {
${TYPES.map((t) => `  'cast-${t}': { preprocess: (input) => [{ x: input.x }], postprocess: (outputs) => ({ y: firstValue(outputs[0]) }) },`).join('\n')}
  log: { preprocess: (input) => [{ x: input.x }], postprocess: (outputs) => ({ y: outputValues(outputs[0]) }) },
} satisfies Hooks;
`;

type Answer = Awaited<ReturnType<typeof postRaw>>;

/** Sends `[value, 0, 0]` to every cast endpoint; answers by type, in VALUES order. */
async function fuzz(svc: LiveService): Promise<Map<ElemType, Answer[]>> {
  const out = new Map<ElemType, Answer[]>();
  for (const t of TYPES) out.set(t, await Promise.all(VALUES.map((v) => postRaw(svc.base, `/v1/cast-${t}`, `{"x": [${v}, 0, 0]}`))));
  return out;
}

const pointers = (a: Answer) => (a.json?.errors ?? []).map((e: { pointer: string }) => e.pointer);

describe('numeric extremes per element type, through the live service', () => {
  let raw: LiveService;
  let byDefault: LiveService;
  let rawAnswers: Map<ElemType, Answer[]>;
  let defaultAnswers: Map<ElemType, Answer[]>;
  beforeAll(async () => {
    [raw, byDefault] = await Promise.all([startLiveService({ yaml, models: writeModels, hooks: PASS_THROUGH_HOOKS }), startLiveService({ yaml, models: writeModels })]);
    rawAnswers = await fuzz(raw);
    defaultAnswers = await fuzz(byDefault);
  });
  afterAll(async () => {
    await raw?.stop();
    await byDefault?.stop();
  });

  it.each(TYPES)('%s, values as sent: exact answer when it fits, 400 naming /x/0 when not, 422 when the float32 answer overflows', (type) => {
    const got = rawAnswers.get(type)!.map((a, i) => [VALUES[i], a.status, a.status === 200 ? a.json.y : a.status === 422 ? a.json.type : pointers(a)]);
    const want = VALUES.map((text) => {
      const v = JSON.parse(text) as number;
      if (!fits(type, v)) return [text, 400, ['/x/0']];
      // + 0: JSON has no -0, the answer carries 0.
      const y = cast(type, v) + 0;
      return Number.isFinite(y) ? [text, 200, y] : [text, 422, 'urn:mlservice:problem:non-finite-output'];
    });
    expect(got).toEqual(want);
  });

  it.each(TYPES)('%s, through the default hooks: never 5xx, every 400 names /x/0, every 200 is a finite number', (type) => {
    const answers = defaultAnswers.get(type)!;
    const bad = answers.flatMap((a, i) => {
      const ok = (a.status === 200 && Number.isFinite(a.json.y)) || (a.status === 400 && pointers(a).join() === '/x/0') || a.status === 422;
      return ok ? [] : [[VALUES[i], a.status, a.json]];
    });
    expect(bad).toEqual([]);
    // Values every type holds are answered.
    expect(['0', '1', '-0'].map((v) => answers[VALUES.indexOf(v)]!.status)).toEqual([200, 200, 200]);
    // Outside float inputs the default row is a plain array, so the model sees exactly what was
    // sent: the same answers as the pass-through hooks (a Float32Array row rounded int64 ids
    // above 2^24 and pushed a valid int32 2147483647 out of range).
    if (type !== 'float32' && type !== 'float64') {
      const summary = (list: typeof answers) => list.map((a) => [a.status, a.status === 200 ? a.json.y : null]);
      expect(summary(answers)).toEqual(summary(rawAnswers.get(type)!));
    }
  });

  it('answers NaN and -Infinity predictions with 422 naming the answer field, never null', async () => {
    const answers = await Promise.all(['[1, 0, 2]', '[1, -1, 2]', '[1e-45, 3.4028234663852886e38, 1]'].map((x) => postRaw(raw.base, '/v1/log', `{"x": ${x}}`)));
    expect(answers.map((a) => [a.status, a.contentType, a.json.detail ?? a.json])).toEqual([
      [422, 'application/problem+json; charset=utf-8', 'model "log" gave -Infinity at /y/1 for this input; JSON has no such number'],
      [422, 'application/problem+json; charset=utf-8', 'model "log" gave NaN at /y/1 for this input; JSON has no such number'],
      [200, 'application/json; charset=utf-8', { y: [Math.fround(Math.log(Math.fround(1e-45))), Math.fround(Math.log(3.4028234663852886e38)), 0] }],
    ]);
  });

  it('stays live and scrapeable, with every answer counted, and logs no request failure', async () => {
    for (const svc of [raw, byDefault]) {
      expect((await fetch(`${svc.base}/livez`)).status).toBe(200);
      const metrics = await (await fetch(`${svc.base}/metrics`)).text();
      expect(metrics).not.toMatch(/mlservice_requests_total\{[^}]*status="5\d\d"/);
      expect(metrics).toMatch(/mlservice_requests_total\{[^}]*api_endpoint="cast-int32"[^}]*status="400"[^}]*\} \d+/);
      expect(svc.stderr()).not.toContain('request failed');
    }
  });
});
