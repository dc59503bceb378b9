/**
 * End to end: the TypeScript emitters' output, compiled with the project's own strict `tsc`, run as
 * a child process against real ONNX models, answering real HTTP requests. Predictions are
 * compared with onnxruntime-node run directly on the rows the default hooks build.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VARIANT_HEADER } from '../../runtime/src/names.js';
import type { ServiceModel } from '../../src/config/model.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { buildMlp, writeMlflowModelDir } from '../../testkit/onnx-builder.js';
import { startLiveService, type LiveService } from '../support/live-service.js';

const run = promisify(execFile);

/** Generates, compiles and starts the service; `models` writes the model files into `<dir>/models`. */
function startGenerated(model: ServiceModel, models: (dir: string) => Promise<void>): Promise<LiveService> {
  return startLiveService({ model, models });
}

async function post(base: string, path: string, body: unknown): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

/** onnxruntime-node on the same rows: the first element of the first output per row. */
async function direct(bytes: Uint8Array, rows: number[][]): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes);
  const width = rows[0]!.length;
  const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, width]);
  const out = await session.run({ [session.inputNames[0]!]: input });
  const first = out[session.outputNames[0]!]!;
  const perRow = first.data.length / rows.length;
  return rows.map((_, i) => Number((first.data as Float32Array)[i * perRow]));
}

describe('minimal: one model, one endpoint', () => {
  // Not the default name "input": the hooks scaffold must pick the real one up from the model file.
  const bytes = buildMlp({ inputName: 'dense_input', inputDim: 4, hidden: [8], seed: 7 });
  let svc: LiveService;
  beforeAll(async () => {
    svc = await startGenerated(minimalModel(), async (models) => {
      await mkdir(join(models, 'scorer'), { recursive: true });
      await writeFile(join(models, 'scorer', 'model.onnx'), bytes);
    });
  });
  afterAll(() => svc?.stop());

  test('the default hooks feed the model input by its real name', async () => {
    expect(await readFile(join(svc.dir, 'src/hooks.ts'), 'utf8')).toContain('return [{ dense_input: input.features satisfies number[] }];');
  });

  test('predictions equal onnxruntime on the same rows', async () => {
    const requests = [
      [0.1, 0.2, 0.3, 0.4],
      [1, -1, 0.5, 2],
      [0, 0, 0, 0],
    ];
    const want = await direct(bytes, requests);
    for (const [i, features] of requests.entries()) {
      const res = await post(svc.base, '/v1/score', { features });
      expect([res.status, res.headers.get(VARIANT_HEADER), res.json]).toEqual([200, 'default', { score: want[i] }]);
    }
  });

  test('a bad request is a 400 problem+json naming the failing field', async () => {
    const res = await fetch(`${svc.base}/v1/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ features: [1, 'x', 3, 4] }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.text()).toContain('/features/1');
  });

  test('the generated smoke test passes against the running models', async () => {
    const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', 'test/smoke.test.mjs'], { cwd: svc.dir });
    expect(stdout).toMatch(/# pass 1\n/);
    expect(stdout).toMatch(/# fail 0\n/);
  });
});

describe('ab: two models behind a sticky split, ranking one row per candidate', () => {
  const control = buildMlp({ inputName: 'input', inputDim: 21, hidden: [16], seed: 1 });
  const treatment = buildMlp({ inputName: 'input', inputDim: 21, hidden: [16], seed: 2 });
  let svc: LiveService;
  beforeAll(async () => {
    svc = await startGenerated(abModel(), async (models) => {
      await writeMlflowModelDir(join(models, 'ranker-control'), control);
      await writeMlflowModelDir(join(models, 'ranker-treatment'), treatment, { externalData: 'weights.bin' });
    });
  });
  afterAll(() => svc?.stop());

  /** The rows the default preprocess builds: history zero-padded to 20, then the candidate. */
  const rows = (history: number[], ids: number[]) => ids.map((id) => [...history, ...new Array<number>(20 - history.length).fill(0), id]);

  test.each(['control', 'treatment'])('the override header forces %s and its model scores every candidate', async (variant) => {
    const body = { user_id: 'u-1', history: [3, 5], activity_ids: [11, 12, 13] };
    const res = await fetch(`${svc.base}/v1/rank`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mlservice-variant': variant },
      body: JSON.stringify(body),
    });
    const want = await direct(variant === 'control' ? control : treatment, rows([3, 5], [11, 12, 13]));
    expect([res.status, res.headers.get(VARIANT_HEADER), await res.json()]).toEqual([200, variant, { scores: want }]);
  });

  test('assignment is sticky per user and the served variant matches its model', async () => {
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const body = { user_id: user, activity_ids: [1, 2] };
      const a = await post(svc.base, '/v1/rank', body);
      const b = await post(svc.base, '/v1/rank', body);
      expect(a.status).toBe(200);
      expect(b.headers.get(VARIANT_HEADER)).toBe(a.headers.get(VARIANT_HEADER));
      const bytes = a.headers.get(VARIANT_HEADER) === 'treatment' ? treatment : control;
      expect(a.json).toEqual({ scores: await direct(bytes, rows([], [1, 2])) });
    }
  });

  test('the generated smoke test passes', async () => {
    const { stdout } = await run(process.execPath, ['--test', '--test-reporter=tap', 'test/smoke.test.mjs'], { cwd: svc.dir }).catch((e) => {
      throw new Error(`${e.stdout}\n${e.stderr}`);
    });
    expect(stdout).toMatch(/# fail 0\n/);
  });
});
