/**
 * A pull killed with SIGKILL in the middle of a download (a real child process, not a simulated
 * failure) must leave the previous `models/<name>/` and `models.lock.json` as they were.
 * The child runs src/models transpiled to JS (no type check) because there is no TS loader here.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullModels } from '../../src/models/index.js';
import { snapshot, tempDir, withModels, writeModelDir } from './helpers.js';
import { MlflowStub } from '../../testkit/mlflow-stub.js';

const REPO = join(import.meta.dirname, '..', '..');
const RUN1 = '0123456789abcdef0123456789abcd01';
const RUN2 = '0123456789abcdef0123456789abcd02';

/** Transpiles all of src/ (so a moved import cannot break the child) into a folder inside node_modules (so bare imports resolve). */
async function transpile(out: string): Promise<void> {
  const files = (await readdir(join(REPO, 'src'), { recursive: true })).filter((f) => f.endsWith('.ts')).map((f) => join('src', f));
  for (const f of files) {
    const js = ts.transpileModule(await readFile(join(REPO, f), 'utf8'), { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } });
    const target = join(out, f.replace(/\.ts$/, '.js'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, js.outputText);
  }
}

/** Resolves once `check()` is true; polls the file system, it does not measure time. */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error('condition never became true');
}

describe('a pull killed mid-download', () => {
  let artifacts: Awaited<ReturnType<typeof tempDir>>;
  let root: Awaited<ReturnType<typeof tempDir>>;
  let stub: MlflowStub;
  let url: string;
  const build = join(REPO, 'node_modules', '.cache', `mlgen-models-interrupt-${process.pid}`);

  beforeAll(async () => {
    artifacts = await tempDir('interrupt-artifacts');
    root = await tempDir('interrupt-root');
    for (const run of [RUN1, RUN2]) await writeModelDir(join(artifacts.path, run, 'model'), run === RUN1 ? 1 : 2, run);
    stub = new MlflowStub({ artifactsRoot: artifacts.path });
    stub.addVersion({ name: 'ranker', version: '1', status: 'READY', runId: RUN1, artifactUri: `mlflow-artifacts:/${RUN1}/model` });
    stub.addVersion({ name: 'ranker', version: '2', status: 'READY', runId: RUN2, artifactUri: `mlflow-artifacts:/${RUN2}/model` });
    url = await stub.start();
    await transpile(build);
  });

  afterAll(async () => {
    await stub.close();
    await Promise.all([artifacts.cleanup(), root.cleanup(), rm(build, { recursive: true, force: true })]);
  });

  it('leaves the previous model and lock intact, and the next pull cleans up and succeeds', async () => {
    const env = { MLFLOW_TRACKING_URI: url };
    await pullModels(root.path, withModels({ ranker: 'models:/ranker/1' }), { env });
    const modelBefore = await snapshot(join(root.path, 'models', 'ranker'));
    const lockBefore = await readFile(join(root.path, 'models.lock.json'), 'utf8');

    stub.faults.stall.add(`${RUN2}/model/model.onnx`);
    const v2 = withModels({ ranker: 'models:/ranker/2' });
    const script = `import { pullModels } from './${relative(build, join(build, 'src', 'models', 'pull.js'))}';
await pullModels(process.env.ROOT, JSON.parse(process.env.MODEL), { env: { MLFLOW_TRACKING_URI: process.env.URI } });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: build, env: { ...process.env, ROOT: root.path, MODEL: JSON.stringify(v2), URI: url }, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    // Wait until the child has half of model.onnx in its staging directory, then kill it.
    await until(async () => {
      const staging = (await readdir(join(root.path, 'models'))).find((d) => d.startsWith('.mlgen-pull-'));
      return staging !== undefined && (await readFile(join(root.path, 'models', staging, 'model.onnx')).catch(() => Buffer.alloc(0))).length > 0;
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    expect((await readdir(join(root.path, 'models'))).sort()).toEqual([expect.stringMatching(/^\.mlgen-pull-ranker-/), 'ranker']);
    expect(await snapshot(join(root.path, 'models', 'ranker'))).toEqual(modelBefore);
    expect(await readFile(join(root.path, 'models.lock.json'), 'utf8')).toBe(lockBefore);

    stub.faults.stall.clear();
    const result = await pullModels(root.path, v2, { env });
    expect(result.lock.models.ranker!.registry).toEqual({ registeredModel: 'ranker', version: '2', runId: RUN2 });
    expect(await readdir(join(root.path, 'models'))).toEqual(['ranker']);
    expect(await snapshot(join(root.path, 'models', 'ranker'))).toEqual(await snapshot(join(artifacts.path, RUN2, 'model')));
  });
});
