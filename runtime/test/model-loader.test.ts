/** Loading real ONNX models from every supported layout, and the refusals users can hit. */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Batcher } from '../src/batcher.js';
import { loadModel, warmUp, type LoadedModel } from '../src/model-loader.js';
import { rowProblem } from '../src/tensors.js';
import { identityOf, readModelsLock } from '../src/models-lock.js';
import { buildMlp, buildZipMapClassifier, writeMlflowModelDir } from '../../testkit/onnx-builder.js';

let dir: string;
const mlp = buildMlp({ inputDim: 4, hidden: [16], seed: 11 });
const withIds = buildMlp({ inputDim: 2, ids: { name: 'ids', count: 3, vocab: 20, embedDim: 4 }, seed: 12 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'model-loader-'));
  await writeMlflowModelDir(join(dir, 'mlflow'), mlp, { runId: 'run-abc' });
  await writeMlflowModelDir(join(dir, 'external'), buildMlp({ inputDim: 64, hidden: [32], seed: 4 }), { externalData: 'f0e1-weights' });
  await mkdir(join(dir, 'plain'));
  await writeFile(join(dir, 'plain', 'whatever.onnx'), mlp);
  await writeFile(join(dir, 'direct.onnx'), withIds);
  await mkdir(join(dir, 'two'));
  await writeFile(join(dir, 'two', 'a.onnx'), mlp);
  await writeFile(join(dir, 'two', 'b.onnx'), mlp);
  await writeMlflowModelDir(join(dir, 'zipmap'), buildZipMapClassifier({ inputDim: 3, classes: 3 }));
  await writeMlflowModelDir(join(dir, 'escape'), mlp);
  await writeFile(join(dir, 'escape', 'MLmodel'), 'flavors:\n  onnx:\n    data: ../plain/whatever.onnx\n');
  await mkdir(join(dir, 'sklearn'));
  await writeFile(join(dir, 'sklearn', 'MLmodel'), 'flavors:\n  sklearn:\n    pickled_model: model.pkl\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const load = (name: string, outputs?: string[]) => loadModel({ name, source: `models:/${name}/1`, outputs }, dir);

describe('loadModel', () => {
  it('opens an MLflow directory, reads names, types and dims, and the run id', async () => {
    const m = await load('mlflow');
    expect(m.inputs).toEqual([{ name: 'features', type: 'float32', dims: [4] }]);
    expect(m.outputs).toEqual([{ name: 'score', type: 'float32', dims: [1] }]);
    expect(m.runId).toBe('run-abc');
    expect(m.file).toBe(join(dir, 'mlflow', 'model.onnx'));
    await m.release();
  });

  it('opens an MLflow directory whose weights live in an external file', async () => {
    const m = await load('external');
    const out = await m.run([{ features: new Float32Array(64).fill(0.5) }]);
    expect(out[0]!.score!.length).toBe(1);
    await m.release();
  });

  it('opens a folder with one .onnx file and a direct <name>.onnx file', async () => {
    expect((await load('plain')).file).toBe(join(dir, 'plain', 'whatever.onnx'));
    const direct = await load('direct');
    expect(direct.inputs).toEqual([
      { name: 'features', type: 'float32', dims: [2] },
      { name: 'ids', type: 'int64', dims: [3] },
    ]);
  });

  it.each([
    ['missing', 'MODEL.NOT_FOUND no model "missing" in'],
    ['two', 'MODEL.AMBIGUOUS'],
    ['escape', 'MODEL.BAD_PATH'],
    ['sklearn', 'MODEL.NOT_ONNX'],
    ['../mlflow', 'MODEL.BAD_NAME'],
    ['..', 'MODEL.BAD_NAME'],
    ['a\\b', 'MODEL.BAD_NAME'],
  ])('refuses %s with a code and a fix', async (name, start) => {
    const err = (await load(name).catch((e: Error) => e)) as Error;
    expect(err.message.startsWith(start)).toBe(true);
    expect(err.message).toContain('\nfix: ');
  });

  it('refuses a non-tensor output by name, with the fix', async () => {
    const err = (await load('zipmap').catch((e: Error) => e)) as Error;
    expect(err.message).toBe(
      'MODEL.NON_TENSOR_OUTPUT model "zipmap" output "probabilities" is not a tensor (e.g. a ZipMap sequence of maps), which onnxruntime-node cannot return\n' +
        'fix: list only tensor outputs under `outputs:` of model "zipmap" in mlservice.yaml, or export the model without ZipMap (skl2onnx option zipmap=False)',
    );
  });

  it('serves a ZipMap model when only its tensor outputs are requested', async () => {
    const m = await load('zipmap', ['label']);
    const out = await m.run([{ features: [1, 2, 3] }, { features: [-3, 0, 3] }]);
    expect(out.map((r) => r.label instanceof BigInt64Array && r.label.length)).toEqual([1, 1]);
  });

  it('warms up at the given batch sizes', async () => {
    const m = await load('direct');
    await expect(warmUp(m, [1, 8])).resolves.toBeUndefined();
  });
});

describe('Batcher with a real ONNX session', () => {
  let model: LoadedModel;
  let direct: ort.InferenceSession;
  beforeAll(async () => {
    model = await load('direct');
    direct = await ort.InferenceSession.create(withIds);
  });

  it('gives each request the same outputs as running its rows alone, with batches of several requests', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher(
      'direct',
      (r) => model.run(r),
      { enabled: true, maxBatchSize: 8, maxLatencyMs: 5, maxQueueRows: 1000 },
      {
        onBatch: (b) => sizes.push(b.size),
      },
    );
    const requests = Array.from({ length: 30 }, (_, i) => Array.from({ length: (i % 5) + 1 }, (_, j) => ({ features: [i / 10, j - 1], ids: [BigInt(i % 20), BigInt(j), 7n] })));
    const results = await Promise.all(requests.map((r) => batcher.submit(r)));
    for (const [i, req] of requests.entries()) {
      const feeds = {
        features: new ort.Tensor('float32', Float32Array.from(req.flatMap((r) => r.features)), [req.length, 2]),
        ids: new ort.Tensor('int64', BigInt64Array.from(req.flatMap((r) => r.ids)), [req.length, 3]),
      };
      const expected = Array.from((await direct.run(feeds)).score!.data as Float32Array);
      expect(results[i]!.map((r) => r.score![0])).toEqual(expected);
    }
    expect(Math.max(...sizes)).toBe(8);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(requests.reduce((a, r) => a + r.length, 0));
  });

  it('fails a request with a wrongly shaped row alone, as a 400', async () => {
    const batcher = new Batcher(
      'direct',
      (r) => model.run(r),
      { enabled: true, maxBatchSize: 8, maxLatencyMs: 5, maxQueueRows: 100 },
      {
        checkRow: (row) => rowProblem(row, model.inputs),
      },
    );
    const err = (await batcher.submit([{ features: [1, 2], ids: [1n] }]).catch((e: unknown) => e)) as { status: number; message: string };
    expect([err.status, err.message]).toEqual([400, 'preprocessed row 0: model input "ids" needs 3 elements per row, got 1']);
  });
});

describe('models.lock.json', () => {
  it('gives versions from the lock, and unknown when the lock is absent', async () => {
    const path = join(dir, 'models.lock.json');
    const lock = {
      lockVersion: 1,
      models: {
        mlflow: { source: 'models:/ranker/12', registry: { registeredModel: 'ranker', version: '12', runId: 'r1' }, files: [], sha256: 'ab'.repeat(32) },
        local: { source: './m.onnx', registry: null, files: [], sha256: 'cd'.repeat(32) },
      },
    };
    await writeFile(path, JSON.stringify(lock));
    const read = await readModelsLock(path);
    expect(identityOf(read, 'mlflow')).toEqual({ version: '12', runId: 'r1', sha256: 'ab'.repeat(32) });
    expect(identityOf(read, 'local', 'run-from-mlmodel')).toEqual({ version: 'sha256-cdcdcdcdcdcd', runId: 'run-from-mlmodel', sha256: 'cd'.repeat(32) });
    expect(identityOf(read, 'missing')).toEqual({ version: 'unknown', runId: null, sha256: null });
    expect(await readModelsLock(join(dir, 'nope.json'))).toBeNull();
    expect(identityOf(null, 'mlflow')).toEqual({ version: 'unknown', runId: null, sha256: null });
    await copyFile(join(dir, 'mlflow', 'MLmodel'), join(dir, 'bad.json'));
    await expect(readModelsLock(join(dir, 'bad.json'))).rejects.toThrow();
  });
});
