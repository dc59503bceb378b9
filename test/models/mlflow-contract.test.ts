import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { pullModels, verifyModels, type PullOptions } from '../../src/models/index.js';
import { AB_YAML } from '../../testkit/fixtures.js';
import type { ProgressEvent } from '../../src/models/progress.js';
import { expectedFiles, sizes, snapshot, tempDir, withModels, writeModelDir } from './helpers.js';
import { MlflowStub } from '../../testkit/mlflow-stub.js';

const RUN1 = '5f2c1b0e9d8a4c7b8e6f5a4d3c2b1a01';
const RUN2 = '5f2c1b0e9d8a4c7b8e6f5a4d3c2b1a02';
const RUN10 = '5f2c1b0e9d8a4c7b8e6f5a4d3c2b1a10';
const TOKEN = 't0k-3x4mple';

describe('MLflow REST contract (local stub server, not a real MLflow)', () => {
  let artifacts: Awaited<ReturnType<typeof tempDir>>;
  let stub: MlflowStub;
  let url: string;
  let root: Awaited<ReturnType<typeof tempDir>>;
  const modelDir = (run: string) => join(artifacts.path, '1', run, 'artifacts', 'model');

  beforeAll(async () => {
    artifacts = await tempDir('mlflow-artifacts');
    await writeModelDir(modelDir(RUN1), 1, RUN1);
    await writeModelDir(modelDir(RUN2), 2, RUN2);
    await writeModelDir(modelDir(RUN10), 10, RUN10);
    await mkdir(join(artifacts.path, 'sk', 'model'), { recursive: true });
    await writeFile(join(artifacts.path, 'sk', 'model', 'MLmodel'), 'flavors:\n  sklearn:\n    pickled_model: model.pkl\n');
    await writeFile(join(artifacts.path, 'sk', 'model', 'model.pkl'), 'not onnx');
    stub = new MlflowStub({ artifactsRoot: artifacts.path, authorization: `Bearer ${TOKEN}` });
    const uri = (run: string) => `mlflow-artifacts:/1/${run}/artifacts/model`;
    stub
      .addVersion({ name: 'activity-ranker', version: '1', status: 'READY', runId: RUN1, stage: 'Production', artifactUri: uri(RUN1) })
      .addVersion({ name: 'activity-ranker', version: '2', status: 'READY', runId: RUN2, artifactUri: uri(RUN2) })
      .addVersion({ name: 'activity-ranker', version: '3', status: 'PENDING_REGISTRATION', runId: RUN2, artifactUri: uri(RUN2) })
      .addVersion({ name: 'activity-ranker', version: '4', status: 'FAILED_REGISTRATION', runId: RUN2, artifactUri: uri(RUN2), statusMessage: 'copy failed: disk full' })
      .addVersion({ name: 'activity-ranker', version: '5', status: 'READY', runId: RUN2, artifactUri: 's3://ml-bucket/1/abc/artifacts/model' })
      .addVersion({ name: 'activity-ranker', version: '6', status: 'READY', runId: RUN1, artifactUri: 'mlflow-artifacts:/sk/model' })
      .addVersion({ name: 'activity-ranker', version: '12', status: 'READY', runId: RUN10, artifactUri: uri(RUN10) })
      .addVersion({ name: 'main.reco.ranker', version: '2', status: 'READY', runId: RUN2, stage: 'Staging', artifactUri: uri(RUN2) })
      .addVersion({ name: 'main.reco.ranker', version: '10', status: 'READY', runId: RUN10, artifactUri: uri(RUN10) })
      .addVersion({ name: 'main.reco.ranker', version: '9', status: 'READY', runId: RUN1, stage: 'Archived', artifactUri: uri(RUN1) })
      .setAlias('activity-ranker', 'challenger', '2')
      .setAlias('activity-ranker', 'broken', '4');
    url = await stub.start();
  });

  afterAll(async () => {
    await stub.close();
    await artifacts.cleanup();
  });

  beforeEach(async () => {
    root = await tempDir('pull-root');
    stub.requests.length = 0;
    stub.faults.unavailable.clear();
    stub.faults.truncate.clear();
    stub.faults.stall.clear();
    stub.faults.listing.clear();
    return () => root.cleanup();
  });

  const opts = (extra: Partial<PullOptions> = {}): PullOptions => ({
    env: { MLFLOW_TRACKING_URI: url, MLFLOW_TRACKING_TOKEN: TOKEN },
    retries: 2,
    retryDelayMs: 1,
    timeoutMs: 10_000,
    ...extra,
  });

  /** The lock entry we expect for a model pulled from one of the stub's model dirs. */
  async function expectedEntry(run: string) {
    const snap = await snapshot(modelDir(run));
    return expectedFiles(snap, await sizes(modelDir(run), Object.keys(snap)));
  }

  it('pulls a version, an alias and latest, and writes the exact lock', async () => {
    const model = withModels({ control: 'models:/activity-ranker/1', treatment: 'models:/activity-ranker@challenger', newest: 'models:/main.reco.ranker/latest' });
    const result = await pullModels(root.path, model, opts());

    const [v1, v2, v10] = [await expectedEntry(RUN1), await expectedEntry(RUN2), await expectedEntry(RUN10)];
    expect(v1.files.map((f) => f.path)).toEqual(['4b1f0c9e-7a3d-11ef-9c1a-0242ac120002', 'MLmodel', 'code/helpers/util.py', 'model.onnx', 'requirements.txt']);
    const lock = {
      lockVersion: 1,
      models: {
        control: { source: 'models:/activity-ranker/1', registry: { registeredModel: 'activity-ranker', version: '1', runId: RUN1 }, ...v1 },
        newest: { source: 'models:/main.reco.ranker/latest', registry: { registeredModel: 'main.reco.ranker', version: '10', runId: RUN10 }, ...v10 },
        treatment: { source: 'models:/activity-ranker@challenger', registry: { registeredModel: 'activity-ranker', version: '2', runId: RUN2, alias: 'challenger' }, ...v2 },
      },
    };
    const text = await readFile(join(root.path, 'models.lock.json'), 'utf8');
    expect(JSON.parse(text)).toEqual(lock);
    expect(text).toBe(`${JSON.stringify(sortKeys(lock), null, 2)}\n`);
    expect(result.lockChanged).toBe(true);
    expect(result.models.map((m) => [m.name, m.changed])).toEqual([
      ['control', true],
      ['treatment', true],
      ['newest', true],
    ]);
    expect(await snapshot(join(root.path, 'models', 'control'))).toEqual(await snapshot(modelDir(RUN1)));
    expect(await snapshot(join(root.path, 'models', 'newest'))).toEqual(await snapshot(modelDir(RUN10)));
    expect(await readdir(join(root.path, 'models'))).toEqual(['control', 'newest', 'treatment']);
  });

  it('pulls what the config loader makes of a real mlservice.yaml (AB_YAML)', async () => {
    await writeFile(join(root.path, 'mlservice.yaml'), AB_YAML);
    const { model } = await loadConfig(join(root.path, 'mlservice.yaml'));
    const result = await pullModels(root.path, model, opts());
    expect(Object.fromEntries(Object.entries(result.lock.models).map(([k, m]) => [k, m.registry]))).toEqual({
      'ranker-control': { registeredModel: 'activity-ranker', version: '12', runId: RUN10 },
      'ranker-treatment': { registeredModel: 'activity-ranker', version: '2', runId: RUN2, alias: 'challenger' },
    });
    expect(await verifyModels(root.path, model)).toEqual([]);
  });

  it('sends the token on every registry and artifact request, and uses the documented endpoints', async () => {
    await pullModels(root.path, withModels({ newest: 'models:/main.reco.ranker/latest' }), opts());
    expect(new Set(stub.requests.map((r) => r.authorization))).toEqual(new Set([`Bearer ${TOKEN}`]));
    const calls = stub.requests.map((r) => `${r.path}?${new URLSearchParams(r.query).toString()}`);
    expect(calls.slice(0, 3)).toEqual([
      '/api/2.0/mlflow/registered-models/get-latest-versions?name=main.reco.ranker',
      '/api/2.0/mlflow/model-versions/get-download-uri?name=main.reco.ranker&version=10',
      `/api/2.0/mlflow-artifacts/artifacts?path=1%2F${RUN10}%2Fartifacts%2Fmodel`,
    ]);
    expect(calls).toContain(`/api/2.0/mlflow-artifacts/artifacts?path=1%2F${RUN10}%2Fartifacts%2Fmodel%2Fcode%2Fhelpers`);
    expect(calls).toContain(`/api/2.0/mlflow-artifacts/artifacts/1/${RUN10}/artifacts/model/code/helpers/util.py?`);
  });

  it('uses Basic auth when username and password are set (they win over a token, as in MLflow)', async () => {
    await expect(
      pullModels(
        root.path,
        withModels({ control: 'models:/activity-ranker/1' }),
        opts({ env: { MLFLOW_TRACKING_URI: url, MLFLOW_TRACKING_USERNAME: 'ann', MLFLOW_TRACKING_PASSWORD: 'pw', MLFLOW_TRACKING_TOKEN: TOKEN } }),
      ),
    ).rejects.toMatchObject({ code: 'MODELS.AUTH', exitCode: 69 });
    expect(stub.requests[0]!.authorization).toBe(`Basic ${Buffer.from('ann:pw').toString('base64')}`);
  });

  it('refuses without the right token (401) and writes nothing', async () => {
    const err = await pullModels(root.path, withModels({ control: 'models:/activity-ranker/1' }), opts({ env: { MLFLOW_TRACKING_URI: url } })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODELS.AUTH' });
    expect((err as Error).message).toBe(
      `mlservice.yaml error MODELS.AUTH get model version activity-ranker/1: ${url}/api/2.0/mlflow/model-versions/get answered 401 (You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html)\n` +
        '  fix: set MLFLOW_TRACKING_TOKEN (sent as Bearer) or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (sent as Basic) for an account that may read this registered model',
    );
    expect(stub.requests).toHaveLength(1);
    expect(await snapshot(root.path)).toEqual({});
  });

  it.each([
    ['models:/activity-ranker/3', 'PENDING_REGISTRATION', 'version 3 with status PENDING_REGISTRATION'],
    ['models:/activity-ranker@broken', 'FAILED_REGISTRATION', 'version 4 with status FAILED_REGISTRATION: copy failed: disk full'],
  ])('refuses %s (%s) with nothing written', async (uri, _status, said) => {
    const err = await pullModels(root.path, withModels({ m: uri }), opts()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODELS.NOT_READY' });
    expect((err as Error).message).toContain(`${uri} resolves to ${said}; only READY versions are pulled`);
    expect(stub.requests.map((r) => r.path).some((p) => p.includes('get-download-uri') || p.includes('mlflow-artifacts'))).toBe(false);
    expect(await snapshot(root.path)).toEqual({});
    expect(await readdir(join(root.path, 'models'))).toEqual([]);
  });

  it('re-pulling unchanged models leaves the lock byte-identical and the model dirs untouched', async () => {
    const model = withModels({ control: 'models:/activity-ranker/1', treatment: 'models:/activity-ranker@challenger' });
    await pullModels(root.path, model, opts());
    const lockBefore = await readFile(join(root.path, 'models.lock.json'));
    const events: ProgressEvent[] = [];
    stub.requests.length = 0;
    const again = await pullModels(root.path, model, opts({ onProgress: (e) => events.push(e) }));
    // Still resolved (an alias may have moved), but the locked files of that version are not fetched again.
    expect(stub.requests.map((r) => r.path)).toEqual([
      '/api/2.0/mlflow/model-versions/get',
      '/api/2.0/mlflow/model-versions/get-download-uri',
      '/api/2.0/mlflow/registered-models/alias',
      '/api/2.0/mlflow/model-versions/get-download-uri',
    ]);
    expect(await readFile(join(root.path, 'models.lock.json'))).toEqual(lockBefore);
    expect(again.lockChanged).toBe(false);
    expect(again.models.map((m) => m.changed)).toEqual([false, false]);
    expect(events.filter((e) => e.type === 'model-done').map((e) => (e.type === 'model-done' ? [e.model, e.version, e.files, e.changed] : []))).toEqual([
      ['control', '1', 5, false],
      ['treatment', '2', 5, false],
    ]);
  });

  it('downloads again when the local copy was changed, or with force', async () => {
    const model = withModels({ ranker: 'models:/activity-ranker/1' });
    await pullModels(root.path, model, opts());
    const good = await snapshot(join(root.path, 'models', 'ranker'));
    await writeFile(join(root.path, 'models', 'ranker', 'model.onnx'), 'tampered');
    stub.requests.length = 0;
    expect((await pullModels(root.path, model, opts())).models[0]!.changed).toBe(true);
    expect(await snapshot(join(root.path, 'models', 'ranker'))).toEqual(good);
    // 4 listings (root, code, code/helpers, extras) + 5 files.
    expect(stub.requests.filter((r) => r.path.startsWith('/api/2.0/mlflow-artifacts/')).length).toBe(9);
    stub.requests.length = 0;
    expect((await pullModels(root.path, model, opts({ force: true }))).models[0]!.changed).toBe(false);
    expect(stub.requests.filter((r) => r.path.startsWith('/api/2.0/mlflow-artifacts/')).length).toBe(9);
  });

  it('a download failing mid-way (after retries) leaves the previous model and lock intact', async () => {
    await pullModels(root.path, withModels({ ranker: 'models:/activity-ranker/1' }), opts());
    const before = await snapshot(join(root.path, 'models'));
    const lockBefore = await readFile(join(root.path, 'models.lock.json'), 'utf8');
    const onnxPath = `1/${RUN2}/artifacts/model/model.onnx`;
    stub.faults.truncate.add(onnxPath);
    stub.requests.length = 0;

    const err = await pullModels(root.path, withModels({ ranker: 'models:/activity-ranker/2' }), opts()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODELS.HTTP' });
    expect((err as Error).message).toContain(`download "model.onnx": request to ${url}/api/2.0/mlflow-artifacts/artifacts/${onnxPath} failed`);
    expect(stub.requests.filter((r) => r.path.endsWith(onnxPath))).toHaveLength(3);
    expect(await snapshot(join(root.path, 'models'))).toEqual(before);
    expect(await readdir(join(root.path, 'models'))).toEqual(['ranker']);
    expect(await readFile(join(root.path, 'models.lock.json'), 'utf8')).toBe(lockBefore);
  });

  it('gives up on a download that stalls (idle timeout per attempt) and keeps the previous copy', async () => {
    await pullModels(root.path, withModels({ ranker: 'models:/activity-ranker/1' }), opts());
    const before = await snapshot(join(root.path, 'models'));
    const onnxPath = `1/${RUN2}/artifacts/model/model.onnx`;
    stub.faults.stall.add(onnxPath);
    const err = await pullModels(root.path, withModels({ ranker: 'models:/activity-ranker/2' }), opts({ timeoutMs: 300, retries: 1 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODELS.HTTP' });
    expect((err as Error).message).toContain(`/api/2.0/mlflow-artifacts/artifacts/${onnxPath} failed: timed out`);
    expect(stub.requests.filter((r) => r.path.endsWith(onnxPath))).toHaveLength(2);
    expect(await snapshot(join(root.path, 'models'))).toEqual(before);
  });

  it('removes the staging leftovers of a killed pull and keeps the models they were replacing', async () => {
    await pullModels(root.path, withModels({ ranker: 'models:/activity-ranker/1' }), opts());
    const before = await snapshot(join(root.path, 'models', 'ranker'));
    // What a SIGKILL during the download or the swap leaves behind (the process never reaches cleanup).
    await mkdir(join(root.path, 'models', '.mlgen-pull-ranker-Ab12Cd', 'code'), { recursive: true });
    await writeFile(join(root.path, 'models', '.mlgen-pull-ranker-Ab12Cd', 'model.onnx'), 'half a model');
    await mkdir(join(root.path, 'models', '.mlgen-old-ranker-4242'));
    expect(await pullModels(root.path, withModels({ ranker: 'models:/activity-ranker/1' }), opts())).toMatchObject({ lockChanged: false });
    expect(await readdir(join(root.path, 'models'))).toEqual(['ranker']);
    expect(await snapshot(join(root.path, 'models', 'ranker'))).toEqual(before);
  });

  it('retries 503 with backoff and then succeeds', async () => {
    const onnxPath = `1/${RUN2}/artifacts/model/model.onnx`;
    stub.faults.unavailable.set(onnxPath, 2);
    await pullModels(root.path, withModels({ ranker: 'models:/activity-ranker/2' }), opts());
    expect(stub.requests.filter((r) => r.path.endsWith(onnxPath))).toHaveLength(3);
    expect(await snapshot(join(root.path, 'models', 'ranker'))).toEqual(await snapshot(modelDir(RUN2)));
  });

  it('takes the retry count from MLFLOW_HTTP_REQUEST_MAX_RETRIES when the caller sets none', async () => {
    const onnxPath = `1/${RUN2}/artifacts/model/model.onnx`;
    stub.faults.unavailable.set(onnxPath, 1);
    const env = { MLFLOW_TRACKING_URI: url, MLFLOW_TRACKING_TOKEN: TOKEN, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' };
    const err = await pullModels(root.path, withModels({ ranker: 'models:/activity-ranker/2' }), { env, retryDelayMs: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODELS.HTTP' });
    expect((err as Error).message).toContain('answered 503 (TEMPORARILY_UNAVAILABLE: try again)');
    expect(stub.requests.filter((r) => r.path.endsWith(onnxPath))).toHaveLength(1);
  });

  it('falls back to model-versions/search (paged) when get-latest-versions does not exist', async () => {
    const bare = new MlflowStub({ artifactsRoot: artifacts.path, noLatestEndpoint: true, searchPageSize: 2 });
    for (const v of stub.versions) bare.addVersion(v);
    const bareUrl = await bare.start();
    try {
      const result = await pullModels(root.path, withModels({ newest: 'models:/main.reco.ranker/latest' }), opts({ env: { MLFLOW_TRACKING_URI: bareUrl } }));
      expect(result.lock.models.newest!.registry).toEqual({ registeredModel: 'main.reco.ranker', version: '10', runId: RUN10 });
      expect(bare.requests.filter((r) => r.path.endsWith('/model-versions/search')).map((r) => r.query)).toEqual([
        { filter: "name='main.reco.ranker'", max_results: '1000' },
        { filter: "name='main.reco.ranker'", max_results: '1000', page_token: '2' },
      ]);
    } finally {
      await bare.close();
    }
  });

  it.each([
    ['models:/activity-ranker/99', 'MODELS.NOT_FOUND', 'RESOURCE_DOES_NOT_EXIST: Model Version (name=activity-ranker, version=99) not found'],
    ['models:/activity-ranker@nope', 'MODELS.NOT_FOUND', 'RESOURCE_DOES_NOT_EXIST: Registered model alias nope not found.'],
    ['models:/no-such-model/latest', 'MODELS.NOT_FOUND', 'RESOURCE_DOES_NOT_EXIST: Registered Model with name=no-such-model not found'],
    ['models:/activity-ranker/5', 'MODELS.UNSUPPORTED_STORE', 'the model files are at "s3://ml-bucket/1/abc/artifacts/model"'],
    ['models:/activity-ranker/6', 'MODEL.NOT_ONNX', 'the downloaded model directory/MLmodel has no "onnx" flavor (flavors: sklearn)'],
  ])('%s fails with %s', async (uri, code, said) => {
    const err = await pullModels(root.path, withModels({ m: uri }), opts()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toContain(said);
    expect(await readdir(join(root.path, 'models'))).toEqual([]);
  });

  it('refuses listing entries that would escape the model directory', async () => {
    stub.faults.listing.set(`1/${RUN1}/artifacts/model`, { files: [{ path: '../../../etc', is_dir: true }] });
    await expect(pullModels(root.path, withModels({ m: 'models:/activity-ranker/1' }), opts())).rejects.toMatchObject({ code: 'MODELS.UNSAFE_PATH' });
    expect(await readdir(join(root.path, 'models'))).toEqual([]);
  });

  it('refuses a short body that the listing sized differently (after retries)', async () => {
    stub.faults.listing.set(`1/${RUN1}/artifacts/model`, { files: [{ path: 'MLmodel', is_dir: false, file_size: 999999 }] });
    await expect(pullModels(root.path, withModels({ m: 'models:/activity-ranker/1' }), opts())).rejects.toMatchObject({ code: 'MODELS.INCOMPLETE' });
  });

  it('--only pulls one model and keeps the other entries of the lock', async () => {
    const model = withModels({ control: 'models:/activity-ranker/1', treatment: 'models:/activity-ranker@challenger' });
    await pullModels(root.path, model, opts());
    const first = JSON.parse(await readFile(join(root.path, 'models.lock.json'), 'utf8'));
    model.models[1]!.source = { kind: 'registry-version', uri: 'models:/main.reco.ranker/9', registeredModel: 'main.reco.ranker', version: '9' };
    const result = await pullModels(root.path, model, opts({ only: ['treatment'] }));
    expect(result.models.map((m) => m.name)).toEqual(['treatment']);
    expect(result.lock.models.control).toEqual(first.models.control);
    expect(result.lock.models.treatment!.registry).toEqual({ registeredModel: 'main.reco.ranker', version: '9', runId: RUN1 });
    await expect(pullModels(root.path, model, opts({ only: ['nope'] }))).rejects.toMatchObject({ code: 'MODELS.UNKNOWN_MODEL' });
  });
});

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, x]) => [k, sortKeys(x)]),
    );
  return v;
}
