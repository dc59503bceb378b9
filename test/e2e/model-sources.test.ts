/**
 * Every form of `source:` through the real chain a team runs: `mlgen sync` (syncProject), `mlgen
 * models pull` (pullModels), the project's own strict `tsc`, and the compiled service answering a
 * request. The model's input is named `features`, not the default hooks' fallback `input`: the
 * generated hooks only key the row right when sync read exactly the model the service loads, and
 * the service answers 200 with onnxruntime's own score only when it loads that model.
 * The registry is the MLflow REST stand-in of test/models (a contract test, not a real MLflow).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { pullModels } from '../../src/models/index.js';
import { syncProject } from '../../src/sync/index.js';
import { MlflowStub } from '../../testkit/mlflow-stub.js';
import { MINIMAL_YAML } from '../../testkit/fixtures.js';
import { buildMlp, writeMlflowModelDir } from '../../testkit/onnx-builder.js';
import { linkDependencies, tsc } from '../../testkit/service-project.js';
import { spawnService } from '../support/live-service.js';

const MODEL = buildMlp({ inputName: 'features', inputDim: 4, hidden: [8], seed: 7 });
const ROW = [0.1, 0.2, 0.3, 0.4];
const RUN_ID = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';

interface Case {
  /** `source:` as the team writes it. */
  source: string;
  /** Puts the model where that source points (in the project, or on the stand-in servers). */
  place(dir: string): Promise<void>;
  /** Registry and URL models are pulled before the first sync can see them; local ones after. */
  pullFirst: boolean;
}

let stub: MlflowStub;
let trackingUri: string;
let files: Server;
let filesBase: string;
let artifacts: string;

beforeAll(async () => {
  artifacts = await mkdtemp(join(tmpdir(), 'mlgen-sources-artifacts-'));
  await writeMlflowModelDir(join(artifacts, '1', RUN_ID, 'artifacts', 'model'), MODEL, { runId: RUN_ID });
  stub = new MlflowStub({ artifactsRoot: artifacts });
  stub.addVersion({ name: 'churn', version: '3', status: 'READY', runId: RUN_ID, artifactUri: `mlflow-artifacts:/1/${RUN_ID}/artifacts/model` });
  trackingUri = await stub.start();
  files = createServer((req, res) => {
    if (req.url === '/churn.onnx') {
      res.writeHead(200, { 'content-length': MODEL.length }).end(MODEL);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  filesBase = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await stub.close();
  await new Promise<void>((r) => files.close(() => r()));
  await rm(artifacts, { recursive: true, force: true });
});

const file = (path: string) => async (dir: string) => {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), MODEL);
};
const mlflowDir = (path: string, mlmodel?: (text: string) => string) => async (dir: string) => {
  await writeMlflowModelDir(join(dir, path), MODEL, { runId: RUN_ID });
  if (mlmodel) await writeFile(join(dir, path, 'MLmodel'), mlmodel(await readFile(join(dir, path, 'MLmodel'), 'utf8')));
};
const nothing = async () => {};

const CASES: Record<string, Case> = {
  'a file anywhere under models/': { source: 'models/churn-v1.onnx', place: file('models/churn-v1.onnx'), pullFirst: false },
  'the same path written with ./': { source: './models/churn-v1.onnx', place: file('models/churn-v1.onnx'), pullFirst: false },
  'a file outside models/': { source: 'artifacts/churn.onnx', place: file('artifacts/churn.onnx'), pullFirst: false },
  'the file models/<name>/model.onnx': { source: 'models/scorer/model.onnx', place: file('models/scorer/model.onnx'), pullFirst: false },
  'an MLflow directory outside models/': { source: 'exported/churn', place: mlflowDir('exported/churn'), pullFirst: false },
  'an MLflow directory at models/<name>': { source: 'models/scorer', place: mlflowDir('models/scorer'), pullFirst: false },
  'an MLflow directory with only the mlflow.onnx pyfunc flavor': {
    source: 'exported/pyfunc',
    place: mlflowDir('exported/pyfunc', (text) => text.replace(/^ {2}onnx:\n(?: {4}.*\n)+/m, '')),
    pullFirst: false,
  },
  'a registry version': { source: 'models:/churn/3', place: nothing, pullFirst: true },
  'an https URL': { source: 'https://models.example.com/churn.onnx', place: nothing, pullFirst: true },
};

/** Pulls as `mlgen models pull` does; the https case downloads from the loopback stand-in instead. */
async function pull(dir: string, yaml: string): Promise<void> {
  const model = parseConfigText(yaml, 'mlservice.yaml');
  for (const m of model.models) if (m.source.kind === 'https') m.source = { kind: 'https', uri: m.source.uri, url: `${filesBase}/churn.onnx` };
  await pullModels(dir, model, { env: { MLFLOW_TRACKING_URI: trackingUri }, allowInsecureLocalhost: true });
}

async function serve(dir: string): Promise<{ base: string; stop(): Promise<void> }> {
  await linkDependencies(dir);
  expect(await tsc(dir, true)).toEqual({ code: 0, output: '' });
  const svc = await spawnService(dir);
  await svc.ready();
  return {
    base: svc.base,
    async stop() {
      svc.child.kill('SIGTERM');
      await svc.exited;
    },
  };
}

async function expectedScore(): Promise<number> {
  const session = await ort.InferenceSession.create(MODEL);
  const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(ROW), [1, 4]) });
  return Number(out[session.outputNames[0]!]!.data[0]);
}

describe('every model source form: sync reads the model the service loads', () => {
  it.each(Object.keys(CASES))('%s', async (name) => {
    const c = CASES[name]!;
    const dir = await mkdtemp(join(tmpdir(), 'mlgen-sources-'));
    try {
      const yaml = MINIMAL_YAML.replace('source: models/scorer/model.onnx', `source: ${c.source}`);
      await writeFile(join(dir, 'mlservice.yaml'), yaml);
      await c.place(dir);
      if (c.pullFirst) await pull(dir, yaml);
      const synced = await syncProject(dir);
      expect(synced.diagnostics.filter((d) => d.code.startsWith('SIGNATURE.') || d.code.startsWith('MODEL.'))).toEqual([]);
      const hooks = await readFile(join(dir, 'src/hooks.ts'), 'utf8');
      expect(hooks).toContain('return [{ features: input.features satisfies number[] }];');
      if (!c.pullFirst) await pull(dir, yaml);
      const service = await serve(dir);
      try {
        const res = await fetch(`${service.base}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ features: ROW }) });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { score: number }).score).toBeCloseTo(await expectedScore(), 6);
      } finally {
        await service.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
