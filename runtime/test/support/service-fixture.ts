/**
 * A small but real service definition for runtime tests: real ONNX models on disk (from the shared
 * builder), an OpenAPI document holding the request schemas the runtime compiles its validators
 * from (as a generated service's `openapi.yaml` does), two endpoints: `score` (one model, one row
 * per request, request body inline) and `rank` (A/B between two models, one row per item, request
 * body a `components.requestBodies` reference, the way mlgen writes it).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { buildMlp, writeMlflowModelDir } from '../../../testkit/onnx-builder.js';
import type { BatchingDefinition, ServiceDefinition } from '../../src/types.js';

export const INPUT_DIM = 4;
export const modelBytes = {
  a: buildMlp({ inputDim: INPUT_DIM, hidden: [64, 32], seed: 21 }),
  b: buildMlp({ inputDim: INPUT_DIM, hidden: [64, 32], seed: 22 }),
};

const features = { type: 'array', items: { type: 'number' }, minItems: INPUT_DIM, maxItems: INPUT_DIM };
export const scoreSchema = { type: 'object', required: ['features'], additionalProperties: false, properties: { features } };
export const rankSchema = {
  type: 'object',
  required: ['user_id', 'items'],
  additionalProperties: false,
  properties: { user_id: { type: 'string' }, items: { type: 'array', items: features, minItems: 1, maxItems: 64 } },
};

const jsonBody = (schema: object) => ({ required: true, content: { 'application/json': { schema } } });

/** The fixture's OpenAPI document: only what the runtime reads (request bodies); responses are the generator's business. */
export function fixtureDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'activity-ranker', version: '1.2.3' },
    paths: {
      '/v1/score': { post: { operationId: 'score', requestBody: jsonBody(scoreSchema), responses: { '200': { description: 'The prediction.' } } } },
      '/v1/rank': { post: { operationId: 'rank', requestBody: { $ref: '#/components/requestBodies/RankRequest' }, responses: { '200': { description: 'The prediction.' } } } },
    },
    components: { requestBodies: { RankRequest: jsonBody(rankSchema) } },
  };
}

interface ScoreIn {
  features: number[];
}
interface RankIn {
  user_id: string;
  items: number[][];
}

const LOCK = {
  lockVersion: 1,
  models: {
    'model-a': { source: 'models:/ranker/12', registry: { registeredModel: 'ranker', version: '12', runId: 'run-a' }, files: [], sha256: 'a'.repeat(64) },
    'model-b': { source: 'models:/ranker@challenger', registry: { registeredModel: 'ranker', version: '13', runId: 'run-b', alias: 'challenger' }, files: [], sha256: 'b'.repeat(64) },
  },
};

/**
 * Writes the models (MLflow layout, model-b with external weights) and a lock; returns their paths.
 * The files are deterministic, so they live in one shared folder named by their content hash:
 * test workers are killed without exit hooks, and per-run folders would pile up in /tmp.
 */
export async function writeModels(): Promise<{ modelsDir: string; lockPath: string }> {
  const hash = createHash('sha256').update(modelBytes.a).update(modelBytes.b).update(JSON.stringify(LOCK)).digest('hex').slice(0, 16);
  const root = join(tmpdir(), `mlservice-runtime-fixture-${hash}`);
  const paths = { modelsDir: join(root, 'models'), lockPath: join(root, 'models.lock.json') };
  if (existsSync(paths.lockPath)) return paths;
  // Build in a private folder, then rename into place: concurrent workers never see half a folder.
  const staging = await mkdtemp(join(tmpdir(), 'mlservice-runtime-staging-'));
  await writeMlflowModelDir(join(staging, 'models', 'model-a'), modelBytes.a, { runId: 'run-a' });
  await writeMlflowModelDir(join(staging, 'models', 'model-b'), modelBytes.b, { externalData: '6e1d-weights', runId: 'run-b' });
  await writeFile(join(staging, 'models.lock.json'), JSON.stringify(LOCK));
  await rename(staging, root).catch(() => rm(staging, { recursive: true, force: true }));
  return paths;
}

export function serviceDefinition(batching: Partial<BatchingDefinition> = {}, server: Partial<ServiceDefinition['server']> = {}): ServiceDefinition {
  const b: BatchingDefinition = { enabled: true, maxBatchSize: 16, maxLatencyMs: 5, maxQueueRows: 1024, ...batching };
  return {
    service: { name: 'activity-ranker', version: '1.2.3', description: 'Ranks activities' },
    models: [
      { name: 'model-a', source: 'models:/ranker/12' },
      { name: 'model-b', source: 'models:/ranker@challenger' },
    ],
    endpoints: [
      {
        name: 'score',
        path: '/v1/score',
        model: 'model-a',
        batching: b,
        preprocess: (input: ScoreIn) => [{ features: input.features }],
        postprocess: (outputs) => ({ score: Number(outputs[0]!.score![0]) }),
      },
      {
        name: 'rank',
        path: '/v1/rank',
        ab: {
          experiment: 'ranker-2026-11',
          salt: 'ranker-2026-11',
          unit: 'user_id',
          variants: [
            { name: 'control', model: 'model-a', basisPoints: 5000 },
            { name: 'treatment', model: 'model-b', basisPoints: 5000 },
          ],
          missingUnit: 'reject',
          overrideHeader: 'x-force-variant',
        },
        batching: b,
        preprocess: (input: RankIn) => input.items.map((f) => ({ features: f })),
        postprocess: (outputs, _input: RankIn, ctx) => ({ model: ctx.model, scores: outputs.map((o) => Number(o.score![0])) }),
      },
    ],
    server: { port: 8080, bodyLimitBytes: 4096, shutdownGraceMs: 10_000, ...server },
    openapi: fixtureDocument(),
  };
}

/**
 * Opens the models of the calling suite on worker threads (MLSERVICE_INFERENCE_THREAD=worker),
 * from its beforeAll to its afterAll. On the event-loop thread a batch runs when it is dispatched
 * (native-session.ts), so these small models finish each batch before the next injected request
 * arrives and no queue forms; on a worker a batch's result comes back in a later event-loop task,
 * after every request injected at once has reached the batcher, so suites about queueing and
 * shedding build their backlog without depending on timing.
 */
export function modelsOnWorkerThreads(): void {
  const saved = process.env.MLSERVICE_INFERENCE_THREAD;
  beforeAll(() => {
    process.env.MLSERVICE_INFERENCE_THREAD = 'worker';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.MLSERVICE_INFERENCE_THREAD;
    else process.env.MLSERVICE_INFERENCE_THREAD = saved;
  });
}
