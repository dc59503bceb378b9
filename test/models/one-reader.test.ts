/**
 * One reader of model folders: the service at start-up (`loadModel`), `mlgen sync` and `mlgen
 * models pull` must accept the same folders and refuse the others with the same MODEL.* code.
 * Each case is one folder on disk, put through all three for real.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../runtime/src/model-loader.js';
import { parseConfigText } from '../../src/config/index.js';
import { readAndCheckModels } from '../../src/models/signatures.js';
import { pullModels } from '../../src/models/index.js';
import { MINIMAL_YAML } from '../../testkit/fixtures.js';
import { buildMlp } from '../../testkit/onnx-builder.js';

const ONNX = buildMlp({ inputName: 'features', inputDim: 4, hidden: [4], seed: 3 });
const onnxFlavor = (data: string) => `flavors:\n  onnx:\n    data: ${data}\n    onnx_version: 1.16.0\n`;

/** Folder contents (`name: text or bytes`) and the code all three readers must agree on (null: accepted). */
const FOLDERS: Array<[string, Record<string, string | Uint8Array>, string | null]> = [
  ['an MLflow directory', { MLmodel: onnxFlavor('model.onnx'), 'model.onnx': ONNX }, null],
  ['the pyfunc flavor loaded by mlflow.onnx', { MLmodel: 'flavors:\n  python_function:\n    loader_module: mlflow.onnx\n    data: nested/m.onnx\n', 'nested/m.onnx': ONNX }, null],
  ['one .onnx file and no MLmodel', { 'churn.onnx': ONNX }, null],
  ['a stray .onnx beside a non-ONNX MLmodel', { MLmodel: 'flavors:\n  sklearn:\n    pickled_model: model.pkl\n', 'stray.onnx': ONNX }, 'MODEL.NOT_ONNX'],
  ['a pyfunc flavor of another loader', { MLmodel: 'flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    data: model.pkl\n', 'model.onnx': ONNX }, 'MODEL.NOT_ONNX'],
  ['a broken MLmodel', { MLmodel: 'flavors:\n  onnx: {data: model.onnx\n', 'model.onnx': ONNX }, 'MODEL.BAD_MLMODEL'],
  ['an MLmodel that is a list', { MLmodel: '- onnx\n', 'model.onnx': ONNX }, 'MODEL.BAD_MLMODEL'],
  ['a data path that leaves the folder', { MLmodel: onnxFlavor('../model.onnx'), 'model.onnx': ONNX }, 'MODEL.BAD_PATH'],
  ['a data file that is missing', { MLmodel: onnxFlavor('model.onnx') }, 'MODEL.NO_DATA_FILE'],
  ['two .onnx files and no MLmodel', { 'a.onnx': ONNX, 'b.onnx': ONNX }, 'MODEL.AMBIGUOUS'],
];

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mlgen-one-reader-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function folder(files: Record<string, string | Uint8Array>): Promise<string> {
  const project = await mkdtemp(join(root, 'p-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(project, 'exported', name, '..'), { recursive: true });
    await writeFile(join(project, 'exported', name), content);
  }
  await mkdir(join(project, 'exported'), { recursive: true });
  return project;
}

async function runtimeCode(project: string): Promise<string | null> {
  // The service loads `models/<name>`: point its models directory at the folder's parent.
  return loadModel({ name: 'exported', source: 'exported' }, project).then(
    async (m) => {
      await m.release();
      return null;
    },
    (e: { code?: string }) => e.code ?? String(e),
  );
}

async function syncCode(project: string, yaml: string): Promise<string | null> {
  const { diagnostics } = await readAndCheckModels(project, { model: parseConfigText(yaml, 'mlservice.yaml'), path: 'mlservice.yaml', text: yaml });
  return diagnostics[0]?.code ?? null;
}

async function pullCode(project: string, yaml: string): Promise<string | null> {
  return pullModels(project, parseConfigText(yaml, 'mlservice.yaml'), { env: {} }).then(
    () => null,
    (e: { code?: string }) => e.code ?? String(e),
  );
}

describe('the service, sync and pull read a model folder by one set of rules', () => {
  it.each(FOLDERS)('%s', async (_name, files, code) => {
    const project = await folder(files);
    const yaml = MINIMAL_YAML.replace('source: models/scorer/model.onnx', 'source: exported');
    expect({ runtime: await runtimeCode(project), sync: await syncCode(project, yaml), pull: await pullCode(project, yaml) }).toEqual({ runtime: code, sync: code, pull: code });
  });

  it('a broken MLmodel is reported at its line and column by all three', async () => {
    const project = await folder({ MLmodel: 'run_id: abc\nflavors:\n  onnx: {data: model.onnx\n', 'model.onnx': ONNX });
    const yaml = MINIMAL_YAML.replace('source: models/scorer/model.onnx', 'source: exported');
    const runtime = (await loadModel({ name: 'exported', source: 'exported' }, project).catch((e: Error) => e)) as Error;
    expect(runtime.message.split('\n')[0]).toBe(
      `MODEL.BAD_MLMODEL ${project}/exported/MLmodel:4:1: ${project}/exported/MLmodel is not valid YAML: Flow map in block collection must be sufficiently indented and end with a }`,
    );
    const { diagnostics } = await readAndCheckModels(project, { model: parseConfigText(yaml, 'mlservice.yaml'), path: 'mlservice.yaml', text: yaml });
    expect(diagnostics.map((d) => [d.code, d.file, d.line, d.col])).toEqual([['MODEL.BAD_MLMODEL', 'exported/MLmodel', 4, 1]]);
    const pulled = (await pullModels(project, parseConfigText(yaml, 'mlservice.yaml'), { env: {} }).catch((e: unknown) => e)) as {
      diagnostics: Array<{ code: string; file: string; line: number; col: number }>;
    };
    expect(pulled.diagnostics.map((d) => [d.code, d.file, d.line, d.col])).toEqual([['MODEL.BAD_MLMODEL', 'exported/MLmodel', 4, 1]]);
  });
});
