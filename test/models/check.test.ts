import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, pullModels, readLock, verifyModels } from '../../src/models/index.js';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { buildMlp } from '../../testkit/onnx-builder.js';
import { tempDir, withModels } from './helpers.js';

let root: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  root = await tempDir('check');
  return () => root.cleanup();
});

const model = () => withModels({ a: 'src/a.onnx', b: 'src/b.onnx' });

async function pulled(): Promise<void> {
  await mkdir(join(root.path, 'src'));
  await writeFile(join(root.path, 'src', 'a.onnx'), buildMlp({ inputDim: 2, seed: 1 }));
  await writeFile(join(root.path, 'src', 'b.onnx'), buildMlp({ inputDim: 2, seed: 2 }));
  await pullModels(root.path, model(), { env: {} });
}

const render = async (m = model()) => (await verifyModels(root.path, m)).map(formatDiagnostic);

describe('verifyModels', () => {
  it('is empty when disk, lock and config agree', async () => {
    await pulled();
    expect(await render()).toEqual([]);
  });

  it('reports a missing lock', async () => {
    expect(await render()).toEqual(['models.lock.json error MODELS.LOCK_MISSING models.lock.json does not exist\n  fix: run `mlgen models pull` and commit models.lock.json']);
  });

  it('reports changed, missing and unexpected files per model', async () => {
    await pulled();
    await writeFile(join(root.path, 'models', 'a', 'a.onnx'), 'tampered');
    await writeFile(join(root.path, 'models', 'a', 'notes.txt'), 'x');
    await rm(join(root.path, 'models', 'b'), { recursive: true });
    expect(await render()).toEqual([
      'models/a error MODELS.MODIFIED model "a": models/a/ differs from models.lock.json: unexpected "notes.txt"; changed "a.onnx"\n  fix: run `mlgen models pull` and commit models.lock.json',
      'models/b error MODELS.MODIFIED model "b" is locked but models/b/ does not exist\n  fix: run `mlgen models pull` and commit models.lock.json',
    ]);
  });

  it('reports a changed source, an unlocked model and a stale entry', async () => {
    await pulled();
    const m = withModels({ a: 'src/a2.onnx', c: 'src/c.onnx' });
    expect(await render(m)).toEqual([
      'models.lock.json error MODELS.NOT_LOCKED model "a": mlservice.yaml says source "src/a2.onnx" but models.lock.json was pulled from "src/a.onnx"\n  fix: run `mlgen models pull` and commit models.lock.json',
      'models.lock.json error MODELS.NOT_LOCKED model "c" is not in models.lock.json\n  fix: run `mlgen models pull` and commit models.lock.json',
      'models.lock.json warning MODELS.STALE_LOCK_ENTRY models.lock.json has model "b", which mlservice.yaml no longer lists\n  fix: run `mlgen models pull` and commit models.lock.json',
    ]);
  });

  it('reports a lock whose digest does not match its file list', async () => {
    await pulled();
    const lock = (await readLock(root.path))!;
    lock.models.a!.files[0]!.sha256 = '0'.repeat(64);
    await writeFile(join(root.path, 'models.lock.json'), canonicalJson(lock));
    expect((await verifyModels(root.path, model())).map((d) => d.code)).toEqual(['MODELS.LOCK_INVALID']);
  });

  it.each([
    ['not JSON', '<<<<<<< HEAD\n{}'],
    ['wrong version', '{"lockVersion": 2, "models": {}}'],
    ['malformed entry', '{"lockVersion": 1, "models": {"a": {"source": "x"}}}'],
  ])('reports an unreadable lock (%s) as MODELS.LOCK_INVALID', async (_name, text) => {
    await writeFile(join(root.path, 'models.lock.json'), text);
    expect((await verifyModels(root.path, model())).map((d) => d.code)).toEqual(['MODELS.LOCK_INVALID']);
  });

  it('a full pull rewrites an unreadable lock; a partial pull refuses to guess the other entries', async () => {
    await pulled();
    await writeFile(join(root.path, 'models.lock.json'), '<<<<<<< HEAD');
    await expect(pullModels(root.path, model(), { env: {}, only: ['a'] })).rejects.toMatchObject({ code: 'MODELS.LOCK_INVALID' });
    const result = await pullModels(root.path, model(), { env: {} });
    expect(result.lockChanged).toBe(true);
    expect(await render()).toEqual([]);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order, drops undefined, ends with one newline', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined, é: 0, B: 2 } })).toBe(
      '{\n  "a": {\n    "B": 2,\n    "d": [\n      3,\n      {\n        "y": 2,\n        "z": 1\n      }\n    ],\n    "é": 0\n  },\n  "b": 1\n}\n',
    );
  });
});
