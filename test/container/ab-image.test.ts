/**
 * The generated Dockerfile of an A/B service whose models come from MLflow's model registry,
 * built and run with podman. The registry is a local stand-in written from MLflow's REST contract
 * (testkit/mlflow-stub.ts), not a real MLflow: PyPI is unreachable here. The labels and the
 * running service must carry each model's registry version and run id; the override header must
 * reach each variant's model inside the container, external weight files included.
 *
 * Needs podman and the locally built base image (see image.test.ts).
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PATHS, VARIANT_HEADER } from '../../runtime/src/names.js';
import { MlflowStub } from '../../testkit/mlflow-stub.js';
import { AB_YAML } from '../../testkit/fixtures.js';
import { buildMlp, writeMlflowModelDir } from '../../testkit/onnx-builder.js';
import { BASE_LABEL, buildAndStart, containerTestsEnabled, directScores, HOOK_TIMEOUT, ourLabels, postJson, readLock, REVISION, type Lock, type RunningImage } from './harness.js';
import { makeImageProject, type ImageProject } from './project.js';

const ENABLED = containerTestsEnabled('ab-image.test.ts');

/**
 * COPY keeps modes, and the image runs as 10001, not as the owner: every model directory must be
 * o+rx and every file o+r, or the service cannot load its models. Fails fast with the path.
 */
async function expectReadableByAll(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const need = entry.isDirectory() ? 0o005 : 0o004;
    const mode = (await stat(path)).mode & 0o777;
    if ((mode & need) !== need) throw new Error(`${path} has mode ${mode.toString(8)}: the image's user 10001 cannot read it`);
  }
  const mode = (await stat(dir)).mode & 0o777;
  if ((mode & 0o005) !== 0o005) throw new Error(`${dir} has mode ${mode.toString(8)}`);
}

describe.skipIf(!ENABLED)('A/B image: two registry models (MLflow contract stub), built and run with podman', () => {
  const SOURCE = 'https://git.example.com/reco/activity-ranker';
  const RUN_CONTROL = '7d1e2c3b4a5f60718293a4b5c6d7e8f9';
  const RUN_TREATMENT = '0a9b8c7d6e5f40312233445566778899';
  const control = buildMlp({ inputName: 'input', inputDim: 21, hidden: [16], seed: 1 });
  const treatment = buildMlp({ inputName: 'input', inputDim: 21, hidden: [16], seed: 2 });
  let artifacts: string;
  let stub: MlflowStub;
  let project: ImageProject;
  let image: RunningImage;
  let lock: Lock;

  beforeAll(async () => {
    artifacts = await mkdtemp(join(tmpdir(), 'mlgen-image-mlflow-'));
    const uri = (run: string) => `mlflow-artifacts:/1/${run}/artifacts/model`;
    await writeMlflowModelDir(join(artifacts, '1', RUN_CONTROL, 'artifacts/model'), control, { runId: RUN_CONTROL });
    // External weights: the image must carry every file of the model directory, not just the .onnx.
    await writeMlflowModelDir(join(artifacts, '1', RUN_TREATMENT, 'artifacts/model'), treatment, { runId: RUN_TREATMENT, externalData: 'weights.bin' });
    stub = new MlflowStub({ artifactsRoot: artifacts })
      .addVersion({ name: 'activity-ranker', version: '12', status: 'READY', runId: RUN_CONTROL, artifactUri: uri(RUN_CONTROL) })
      .addVersion({ name: 'activity-ranker', version: '13', status: 'READY', runId: RUN_TREATMENT, artifactUri: uri(RUN_TREATMENT) })
      .setAlias('activity-ranker', 'challenger', '13');
    const tracking = await stub.start();
    project = await makeImageProject(AB_YAML, async () => {}, { env: { MLFLOW_TRACKING_URI: tracking }, retries: 0 });
    lock = await readLock(project.dir);
    await expectReadableByAll(join(project.dir, 'models'));
    image = await buildAndStart(project, { revision: REVISION, source: SOURCE });
  }, HOOK_TIMEOUT);

  afterAll(async () => {
    await image?.remove();
    await project?.cleanup();
    await stub?.close();
    if (artifacts) await rm(artifacts, { recursive: true, force: true });
  });

  /** The rows the default preprocess builds: history zero-padded to 20, then the candidate. */
  const rows = (history: number[], ids: number[]) => ids.map((id) => [...history, ...new Array<number>(20 - history.length).fill(0), id]);

  test.each(['control', 'treatment'])('the override header forces %s and its model scores every candidate', async (variant) => {
    const body = { user_id: 'u-1', history: [3, 5], activity_ids: [11, 12, 13] };
    const want = await directScores(variant === 'control' ? control : treatment, rows([3, 5], [11, 12, 13]));
    expect(await postJson(`${image.base}/v1/rank`, body, { [VARIANT_HEADER]: variant })).toEqual([200, variant, { scores: want }]);
  });

  test('the labels carry each model registry version and run id; the service reports the same', async () => {
    const model = (name: string, source: string, version: string, runId: string) => ({
      [`io.mlservice.model.${name}.source`]: source,
      [`io.mlservice.model.${name}.version`]: version,
      [`io.mlservice.model.${name}.run-id`]: runId,
      [`io.mlservice.model.${name}.sha256`]: lock.models[name]!.sha256,
    });
    expect(await ourLabels(image.tag)).toEqual({
      'org.opencontainers.image.title': 'activity-ranker',
      'org.opencontainers.image.description': 'Ranks activities for a user',
      'org.opencontainers.image.version': '1.2.0',
      'org.opencontainers.image.revision': REVISION,
      'org.opencontainers.image.source': SOURCE,
      'org.opencontainers.image.base.name': BASE_LABEL,
      ...model('ranker-control', 'models:/activity-ranker/12', '12', RUN_CONTROL),
      ...model('ranker-treatment', 'models:/activity-ranker@challenger', '13', RUN_TREATMENT),
    });
    const meta = (await (await fetch(image.base + PATHS.metadata)).json()) as { models: Array<{ name: string; version: string; runId: string; sha256: string }> };
    expect(meta.models.map((m) => [m.name, m.version, m.runId, m.sha256])).toEqual([
      ['ranker-control', '12', RUN_CONTROL, lock.models['ranker-control']!.sha256],
      ['ranker-treatment', '13', RUN_TREATMENT, lock.models['ranker-treatment']!.sha256],
    ]);
  });
});
