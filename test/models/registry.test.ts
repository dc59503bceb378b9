import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactLocation } from '../../src/models/artifacts.js';
import { isSafeRelativePath } from '../../src/models/paths.js';
import { apiUrl, authHeaders, trackingServerFromEnv } from '../../src/models/registry.js';
import { urlFileName } from '../../src/models/sources.js';
import { tempDir } from './helpers.js';

describe('artifactLocation (the cases of MLflow tests/store/artifact/test_mlflow_artifact_repo.py)', () => {
  const API = '/api/2.0/mlflow-artifacts/artifacts';
  it.each([
    ['mlflow-artifacts://myhostname:4242/my/artifact/path/hostport', 'http://localhost:5000', `http://myhostname:4242${API}`, 'my/artifact/path/hostport'],
    ['mlflow-artifacts://myhostname/my/artifact/path/host', 'http://localhost:5000/', `http://myhostname${API}`, 'my/artifact/path/host'],
    ['mlflow-artifacts:/my/artifact/path/nohost', 'http://localhost:5000', `http://localhost:5000${API}`, 'my/artifact/path/nohost'],
    ['mlflow-artifacts:///my/artifact/path/redundant', 'http://localhost:5000/', `http://localhost:5000${API}`, 'my/artifact/path/redundant'],
    ['mlflow-artifacts:/', 'http://localhost:5000', `http://localhost:5000${API}`, ''],
    // Beyond MLflow's table: a tracking server behind a path prefix, a scheme taken from the tracking URI, spaces.
    ['mlflow-artifacts:/1/abc/artifacts/model', 'https://ml.example.com/mlflow/', `https://ml.example.com/mlflow${API}`, '1/abc/artifacts/model'],
    ['mlflow-artifacts:/1//a%20b/model/', 'https://ml.example.com', `https://ml.example.com${API}`, '1/a b/model'],
  ])('%s with tracking %s', (uri, tracking, api, path) => {
    const loc = artifactLocation(uri, new URL(tracking));
    expect([loc.api.href, loc.path]).toEqual([api, path]);
  });

  it.each([
    ['s3://bucket/1/abc/artifacts/model', 'MODELS.UNSUPPORTED_STORE'],
    ['gs://bucket/model', 'MODELS.UNSUPPORTED_STORE'],
    ['dbfs:/databricks/mlflow/1/model', 'MODELS.UNSUPPORTED_STORE'],
    ['wasbs://c@acct.blob.core.windows.net/model', 'MODELS.UNSUPPORTED_STORE'],
    ['runs:/abc/model', 'MODELS.UNSUPPORTED_STORE'],
    ['/var/mlruns/1/abc/artifacts/model', 'MODELS.UNSUPPORTED_STORE'],
    ['mlflow-artifacts://5000/path', 'MODELS.BAD_RESPONSE'],
    ['mlflow-artifacts:/%E0%A4%A', 'MODELS.BAD_RESPONSE'],
  ])('refuses %s with %s', (uri, code) => {
    expect(() => artifactLocation(uri, new URL('http://localhost:5000'))).toThrow(expect.objectContaining({ code }));
  });
});

describe('tracking server settings', () => {
  it('builds API URLs under a path prefix and encodes UC names with dots and odd characters exactly', () => {
    const url = apiUrl(new URL('https://ml.example.com/mlflow/'), 'model-versions/get', { name: 'main.reco.ranker v2&x=1', version: '3' });
    expect(url.href).toBe('https://ml.example.com/mlflow/api/2.0/mlflow/model-versions/get?name=main.reco.ranker+v2%26x%3D1&version=3');
    expect(url.searchParams.get('name')).toBe('main.reco.ranker v2&x=1');
  });

  it.each([
    [{ MLFLOW_TRACKING_TOKEN: 't' }, { authorization: 'Bearer t' }],
    [{ MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p:w' }, { authorization: `Basic ${Buffer.from('u:p:w').toString('base64')}` }],
    [{ MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p', MLFLOW_TRACKING_TOKEN: 't' }, { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` }],
    [{ MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_TOKEN: 't' }, { authorization: 'Bearer t' }],
    [{}, {}],
  ])('authHeaders(%j)', (env, headers) => {
    expect(authHeaders(env)).toEqual(headers);
  });

  it('reads ~/.mlflow/credentials like MLflow: [mlflow] section, env wins per field', async () => {
    const home = await tempDir('home');
    try {
      await mkdir(join(home.path, '.mlflow'));
      await writeFile(join(home.path, '.mlflow', 'credentials'), '[other]\nmlflow_tracking_username = nope\n\n[mlflow]\n# comment\nMLFLOW_TRACKING_USERNAME = ann\nmlflow_tracking_password: s3cr=t\n');
      const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });
      expect(authHeaders({ HOME: home.path })).toEqual(basic('ann', 's3cr=t'));
      expect(authHeaders({ HOME: home.path, MLFLOW_TRACKING_PASSWORD: 'envpw' })).toEqual(basic('ann', 'envpw'));
      expect(authHeaders({ HOME: join(home.path, 'missing'), MLFLOW_TRACKING_TOKEN: 't' })).toEqual({ authorization: 'Bearer t' });
    } finally {
      await home.cleanup();
    }
  });

  it('uses MLFLOW_REGISTRY_URI for the registry and the tracking server for artifacts', () => {
    const s = trackingServerFromEnv({ MLFLOW_TRACKING_URI: 'https://track.example.com', MLFLOW_REGISTRY_URI: 'https://reg.example.com/x' });
    expect([s.tracking.href, s.registry.href]).toEqual(['https://track.example.com/', 'https://reg.example.com/x']);
  });

  it.each([
    [{}, 'MODELS.NO_TRACKING_URI', 'a `models:/` source needs the MLflow registry, but MLFLOW_TRACKING_URI is not set'],
    [{ MLFLOW_TRACKING_URI: 'databricks' }, 'MODELS.UNSUPPORTED_REGISTRY', 'MLFLOW_TRACKING_URI=databricks: Databricks and Unity Catalog registries are not supported by mlgen yet'],
    [
      { MLFLOW_TRACKING_URI: 'https://h', MLFLOW_REGISTRY_URI: 'databricks-uc' },
      'MODELS.UNSUPPORTED_REGISTRY',
      'MLFLOW_REGISTRY_URI=databricks-uc: Databricks and Unity Catalog registries are not supported by mlgen yet',
    ],
    [{ MLFLOW_TRACKING_URI: 'sqlite:///mlflow.db' }, 'MODELS.UNSUPPORTED_REGISTRY', 'MLFLOW_TRACKING_URI must be an http(s) URL of an MLflow tracking server, got "sqlite:///mlflow.db"'],
    [{ MLFLOW_TRACKING_URI: './mlruns' }, 'MODELS.UNSUPPORTED_REGISTRY', 'MLFLOW_TRACKING_URI must be an http(s) URL of an MLflow tracking server, got "./mlruns"'],
    [{ MLFLOW_TRACKING_URI: 'https://ann:pw@h' }, 'MODELS.UNSUPPORTED_REGISTRY', 'MLFLOW_TRACKING_URI contains credentials; they would end up in logs'],
    [{ MLFLOW_TRACKING_URI: 'ftp://ann:s3cret@h/x' }, 'MODELS.UNSUPPORTED_REGISTRY', 'MLFLOW_TRACKING_URI must be an http(s) URL of an MLflow tracking server, got "ftp://***@h/x"'],
  ])('refuses %j', (env, code, message) => {
    let err: unknown;
    try {
      trackingServerFromEnv(env);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code, exitCode: 65, diagnostics: [expect.objectContaining({ message })] });
  });
});

describe('path and name safety', () => {
  it.each([
    ['model.onnx', true],
    ['code/helpers/util.py', true],
    ['', false],
    ['/etc/passwd', false],
    ['a/../b', false],
    ['./a', false],
    ['a//b', false],
    ['a\\b', false],
    ['a\0b', false],
    ['..', false],
  ])('isSafeRelativePath(%j) = %s', (p, ok) => {
    expect(isSafeRelativePath(p)).toBe(ok);
  });

  it.each([
    ['https://h/models/ranker.onnx?sig=1', 'ranker.onnx'],
    ['https://h/models/Ranker%20v2.ONNX', 'Ranker v2.onnx'],
    ['https://h/models/..%2F..%2Fevil.onnx', 'model.onnx'],
    ['https://h/download?file=x.onnx', 'model.onnx'],
    ['https://h/', 'model.onnx'],
    ['https://h/%E0%A4%A.onnx', 'model.onnx'],
  ])('urlFileName(%s) = %s', (u, name) => {
    expect(urlFileName(new URL(u))).toBe(name);
  });
});
