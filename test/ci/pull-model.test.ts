/**
 * `mlgen-ci pull-model` (the retrain workflow's lock step): the built bin re-resolves the posted
 * model through `mlgen models pull --only` against the local MLflow stub (a contract test, not a
 * real MLflow) and accepts the result only when the version now locked is the one posted.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/exit-codes.js';
import { AB_YAML } from '../../testkit/fixtures.js';
import { REPO } from '../support/cli.js';
import { tempDir, writeModelDir } from '../models/helpers.js';
import { MlflowStub } from '../../testkit/mlflow-stub.js';

const RUN2 = '0a1b2c3d4e5f60718293a4b5c6d7e802';
const RUN12 = '0a1b2c3d4e5f60718293a4b5c6d7e812';

describe('mlgen-ci pull-model against the MLflow stub (contract, not a real MLflow)', () => {
  let artifacts: Awaited<ReturnType<typeof tempDir>>;
  let root: Awaited<ReturnType<typeof tempDir>>;
  let stub: MlflowStub;
  let url: string;
  const uri = (run: string) => `mlflow-artifacts:/1/${run}/artifacts/model`;

  beforeAll(async () => {
    artifacts = await tempDir('ci-artifacts');
    for (const [run, seed] of [
      [RUN2, 2],
      [RUN12, 12],
    ] as const)
      await writeModelDir(join(artifacts.path, '1', run, 'artifacts', 'model'), seed, run);
    stub = new MlflowStub({ artifactsRoot: artifacts.path });
    stub.addVersion({ name: 'activity-ranker', version: '2', status: 'READY', runId: RUN2, artifactUri: uri(RUN2) });
    stub.addVersion({ name: 'activity-ranker', version: '12', status: 'READY', runId: RUN12, artifactUri: uri(RUN12) });
    stub.setAlias('activity-ranker', 'challenger', '2');
    url = await stub.start();
    root = await tempDir('ci-pull-model');
    await writeFile(join(root.path, 'mlservice.yaml'), AB_YAML);
  });
  afterAll(async () => {
    await stub?.close();
    await artifacts?.cleanup();
    await root?.cleanup();
  });

  /** Asynchronously: the stub answers from this process, so its event loop must keep running. */
  const pullModel = (version: string) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      const args = [join(REPO, 'bin/mlgen-ci.js'), 'pull-model', '--model=ranker-treatment', `--version=${version}`];
      execFile(process.execPath, args, { cwd: root.path, env: { ...process.env, MLFLOW_TRACKING_URI: url, NO_COLOR: '1' } }, (err, stdout, stderr) =>
        resolve({ status: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
      );
    });

  it('locks only the posted model and accepts the posted version', async () => {
    const r = await pullModel('2');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('ranker-treatment locked at version 2');
    const lock = JSON.parse(await readFile(join(root.path, 'models.lock.json'), 'utf8')) as { models: Record<string, { registry: { version: string; runId: string } }> };
    expect(Object.keys(lock.models)).toEqual(['ranker-treatment']);
    expect(lock.models['ranker-treatment']!.registry).toMatchObject({ version: '2', runId: RUN2 });
  });

  it('refuses when the source resolves to another version than the one the training job posted', async () => {
    const r = await pullModel('3');
    expect(r.status).toBe(EXIT.invalidConfig);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(
      '::error::locking the posted model version failed: ranker-treatment resolved to version 2, not 3. Point its source in mlservice.yaml at an alias (models:/<name>@champion) that the training job moves.',
    );
  });
});
