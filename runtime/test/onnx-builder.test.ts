/** The shared test-model builder must produce models onnxruntime-node really loads and runs. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMlp, buildZipMapClassifier, writeMlflowModelDir } from '../../testkit/onnx-builder.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'onnx-builder-'));
  dirs.push(d);
  return d;
}
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('buildMlp', () => {
  it('gives identical bytes for the same seed and different weights for another seed', () => {
    const a = buildMlp({ inputDim: 4, hidden: [8], seed: 7 });
    expect(Buffer.from(a).equals(Buffer.from(buildMlp({ inputDim: 4, hidden: [8], seed: 7 })))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(buildMlp({ inputDim: 4, hidden: [8], seed: 8 })))).toBe(false);
  });

  it('runs in onnxruntime with a dynamic batch and sigmoid outputs', async () => {
    const session = await ort.InferenceSession.create(buildMlp({ inputDim: 3, hidden: [16, 8], outputDim: 2, seed: 1 }));
    expect(session.inputNames).toEqual(['features']);
    expect(session.outputNames).toEqual(['score']);
    const x = new ort.Tensor('float32', Float32Array.from([0.1, 0.2, 0.3, 1, 2, 3, -1, 0, 1]), [3, 3]);
    const out = (await session.run({ features: x })).score!;
    expect(out.dims).toEqual([3, 2]);
    for (const v of out.data as Float32Array) expect(v > 0 && v < 1).toBe(true);
    await session.release();
  });

  it('supports an int64 ids input embedded by Gather', async () => {
    const bytes = buildMlp({ inputDim: 2, ids: { name: 'ids', count: 3, vocab: 10, embedDim: 4 }, seed: 3 });
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(['features', 'ids']);
    const out = await session.run({
      features: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2]),
      ids: new ort.Tensor('int64', BigInt64Array.from([1n, 2n, 3n, 9n, 0n, 0n]), [2, 3]),
    });
    expect(out.score!.dims).toEqual([2, 1]);
    await session.release();
  });
});

describe('buildZipMapClassifier', () => {
  it('loads, refuses to return the seq(map) output, and returns the tensor output alone', async () => {
    const session = await ort.InferenceSession.create(buildZipMapClassifier({ inputDim: 3, classes: 3, seed: 2 }));
    expect(session.outputNames).toEqual(['label', 'probabilities']);
    const feeds = { features: new ort.Tensor('float32', Float32Array.from([1, 2, 3]), [1, 3]) };
    await expect(session.run(feeds)).rejects.toThrow('Non tensor type is temporarily not supported');
    const out = await session.run(feeds, ['label']);
    expect(out.label!.type).toBe('int64');
    expect(out.label!.dims).toEqual([1]);
    await session.release();
  });
});

describe('writeMlflowModelDir', () => {
  it('writes MLmodel with the onnx and python_function flavors', async () => {
    const dir = await tempDir();
    await writeMlflowModelDir(dir, buildMlp({ inputDim: 3, seed: 1 }));
    expect((await readdir(dir)).sort()).toEqual(['MLmodel', 'model.onnx']);
    const mlmodel = parse(await readFile(join(dir, 'MLmodel'), 'utf8'));
    expect(mlmodel.flavors.onnx.data).toBe('model.onnx');
    expect(mlmodel.flavors.python_function.loader_module).toBe('mlflow.onnx');
  });

  it('moves large weights to a side file that loads from a path and gives the same outputs', async () => {
    const bytes = buildMlp({ inputDim: 64, hidden: [32], seed: 5 });
    const dir = await tempDir();
    await writeMlflowModelDir(dir, bytes, { externalData: 'a1b2c3d4-weights' });
    expect((await readdir(dir)).sort()).toEqual(['MLmodel', 'a1b2c3d4-weights', 'model.onnx']);
    expect((await readFile(join(dir, 'model.onnx'))).length).toBeLessThan(2048);
    const external = await ort.InferenceSession.create(join(dir, 'model.onnx'));
    const inline = await ort.InferenceSession.create(bytes);
    const x = new ort.Tensor(
      'float32',
      Float32Array.from({ length: 128 }, (_, i) => Math.sin(i)),
      [2, 64],
    );
    const a = (await external.run({ features: x })).score!.data;
    const b = (await inline.run({ features: x })).score!.data;
    expect(Array.from(a as Float32Array)).toEqual(Array.from(b as Float32Array));
  });
});
