import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, test } from 'vitest';
import { checkModelsOnDisk } from '../../src/models/signatures.js';
import { readOnnxSignature } from '../../src/models/onnx-signature.js';
import { AB_YAML, MINIMAL_YAML, abModel, minimalModel } from '../../testkit/fixtures.js';
import { buildMlp, buildZipMapClassifier, externalizeWeights, writeMlflowModelDir } from '../../testkit/onnx-builder.js';

describe('readOnnxSignature', () => {
  test('an MLP: one float input with a symbolic batch axis, one output', () => {
    expect(readOnnxSignature(buildMlp({ inputName: 'features', inputDim: 4, outputName: 'prob' }))).toEqual({
      inputs: [{ name: 'features', kind: 'tensor', elemType: 'float', dims: ['batch', 4] }],
      outputs: [{ name: 'prob', kind: 'tensor', elemType: 'float', dims: ['batch', 1] }],
    });
  });

  test('agrees with onnxruntime-node on names, with an int64 ids input and a ZipMap sequence output', async () => {
    const models = [
      buildMlp({ inputDim: 3, ids: { name: 'ids', count: 5, vocab: 10, embedDim: 2 } }),
      buildZipMapClassifier({ inputDim: 3, classes: 2 }),
      externalizeWeights(buildMlp({ inputDim: 64, hidden: [64] }), 'w.bin', 16).model,
    ];
    for (const bytes of models) {
      const sig = readOnnxSignature(bytes);
      const session = await ort.InferenceSession.create(bytes).catch(() => undefined);
      if (session) {
        expect(sig.inputs.map((i) => i.name)).toEqual(session.inputNames);
        expect(sig.outputs.map((o) => o.name)).toEqual(session.outputNames);
      }
    }
    const ids = readOnnxSignature(models[0]!).inputs[1];
    expect(ids).toEqual({ name: 'ids', kind: 'tensor', elemType: 'int64', dims: ['batch', 5] });
    expect(readOnnxSignature(models[1]!).outputs.map((o) => [o.name, o.kind])).toEqual([
      ['label', 'tensor'],
      ['probabilities', 'sequence'],
    ]);
  });

  test.each([
    ['empty', new Uint8Array()],
    ['text', new TextEncoder().encode('not a model at all')],
    ['truncated', buildMlp({ inputDim: 4 }).subarray(0, 40)],
  ])('%s bytes throw a short reason', (_n, bytes) => {
    expect(() => readOnnxSignature(bytes)).toThrow(Error);
  });
});

describe('checkModelsOnDisk', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  async function root(): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), 'mlgen-models-'));
    dirs.push(d);
    return d;
  }

  test('A/B variants with different input widths: an error at the variant model in mlservice.yaml', async () => {
    const dir = await root();
    await writeMlflowModelDir(join(dir, 'models/ranker-control'), buildMlp({ inputName: 'input', inputDim: 21 }));
    await writeMlflowModelDir(join(dir, 'models/ranker-treatment'), buildMlp({ inputName: 'input', inputDim: 22 }));
    const diags = await checkModelsOnDisk(dir, { model: abModel(), path: 'mlservice.yaml', text: AB_YAML });
    const lines = AB_YAML.split('\n');
    const line = lines.findIndex((l) => l.includes('{name: treatment')) + 1;
    const col = lines[line - 1]!.indexOf('ranker-treatment') + 1;
    expect(diags).toEqual([
      {
        code: 'SIGNATURE.AB_MISMATCH',
        severity: 'error',
        message: 'variant "treatment" (model "ranker-treatment") takes inputs {input: float[batch, 22]} but variant "control" (model "ranker-control") takes {input: float[batch, 21]}',
        fix: 'serve models with the same inputs and outputs in one experiment, or split them into two endpoints',
        file: 'mlservice.yaml',
        line,
        col,
      },
    ]);
  });

  test('matching variants, and models not pulled yet, are fine', async () => {
    const dir = await root();
    await writeMlflowModelDir(join(dir, 'models/ranker-control'), buildMlp({ inputDim: 21, seed: 1 }));
    await mkdir(join(dir, 'models/ranker-treatment'), { recursive: true });
    await writeFile(join(dir, 'models/ranker-treatment/model.onnx'), buildMlp({ inputDim: 21, seed: 2 }));
    expect(await checkModelsOnDisk(dir, { model: abModel(), path: 'mlservice.yaml', text: AB_YAML })).toEqual([]);
    expect(await checkModelsOnDisk(await root(), { model: abModel(), path: 'mlservice.yaml', text: AB_YAML })).toEqual([]);
  });

  test('an `outputs` entry the model lacks (or cannot return) is located at that entry', async () => {
    const dir = await root();
    await mkdir(join(dir, 'models/scorer'), { recursive: true });
    await writeFile(join(dir, 'models/scorer/model.onnx'), buildZipMapClassifier({ inputDim: 4, classes: 2 }));
    const model = minimalModel();
    model.models[0]!.outputs = ['label', 'probabilities'];
    const text = MINIMAL_YAML.replace('    source: models/scorer/model.onnx\n', '    source: models/scorer/model.onnx\n    outputs: [label, probabilities]\n');
    const diags = await checkModelsOnDisk(dir, { model, path: 'mlservice.yaml', text });
    const line = text.split('\n').findIndex((l) => l.includes('outputs: [label')) + 1;
    expect(diags.map((d) => [d.code, d.message, d.fix, d.line, d.col])).toEqual([
      ['SIGNATURE.UNKNOWN_OUTPUT', 'model "scorer" has no tensor output "probabilities"', 'use one of its tensor outputs: "label"', line, 22],
    ]);
  });

  test('a corrupt model file is reported, not thrown', async () => {
    const dir = await root();
    await mkdir(join(dir, 'models/scorer'), { recursive: true });
    await writeFile(join(dir, 'models/scorer/model.onnx'), 'garbage');
    const diags = await checkModelsOnDisk(dir, { model: minimalModel(), path: 'mlservice.yaml', text: MINIMAL_YAML });
    expect(diags.map((d) => d.code)).toEqual(['SIGNATURE.UNREADABLE']);
    expect(diags[0]!.message.startsWith('model "scorer": models/scorer/model.onnx is not a readable ONNX model (')).toBe(true);
  });
});
