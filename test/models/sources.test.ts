import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ModelsError } from '../../src/models/errors.js';
import { pullModels, type PullOptions } from '../../src/models/index.js';
import { buildMlp } from '../../testkit/onnx-builder.js';
import { expectedFiles, sha256, sizes, snapshot, tempDir, withModels, writeModelDir } from './helpers.js';

const ONNX = buildMlp({ inputDim: 4, hidden: [3], seed: 7 });
const OPTS: PullOptions = { env: {}, retries: 1, retryDelayMs: 1, timeoutMs: 10_000 };

let root: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  root = await tempDir('sources');
  return () => root.cleanup();
});

const fileEntry = (uri: string, path: string, bytes: Uint8Array) => {
  const files = [{ path, sha256: sha256(bytes), size: bytes.length }];
  return { source: uri, registry: null, files, sha256: sha256(`${path}\0${files[0]!.sha256}\n`) };
};

describe('local sources', () => {
  it('copies an .onnx file under its own name and locks it', async () => {
    await mkdir(join(root.path, 'exports'));
    await writeFile(join(root.path, 'exports', 'scorer-v3.onnx'), ONNX);
    const result = await pullModels(root.path, withModels({ scorer: 'exports/scorer-v3.onnx' }), OPTS);
    expect(result.lock).toEqual({ lockVersion: 1, models: { scorer: fileEntry('exports/scorer-v3.onnx', 'scorer-v3.onnx', ONNX) } });
    expect(await readdir(join(root.path, 'models', 'scorer'))).toEqual(['scorer-v3.onnx']);
  });

  it('copies an MLflow model directory, nested folders included, and the copy loads in onnxruntime-node', async () => {
    const src = join(root.path, 'mlruns', 'model');
    await writeModelDir(src, 3, 'calm_garden_gzd94mfzcr');
    const result = await pullModels(root.path, withModels({ ranker: 'mlruns/model' }), OPTS);
    const snap = await snapshot(src);
    expect(result.lock.models.ranker).toEqual({ source: 'mlruns/model', registry: null, ...expectedFiles(snap, await sizes(src, Object.keys(snap))) });
    expect(await snapshot(join(root.path, 'models', 'ranker'))).toEqual(snap);
    // The external-weights file must sit next to model.onnx for the session to load from a path.
    const session = await ort.InferenceSession.create(join(root.path, 'models', 'ranker', 'model.onnx'));
    expect(session.inputNames).toEqual(['features']);
    await session.release();
  });

  it('stores the extension in lowercase (the runtime looks for *.onnx); refuses it in place', async () => {
    await writeFile(join(root.path, 'Scorer.ONNX'), ONNX);
    const result = await pullModels(root.path, withModels({ scorer: 'Scorer.ONNX' }), OPTS);
    expect(result.lock.models.scorer!.files.map((f) => f.path)).toEqual(['Scorer.onnx']);
    await mkdir(join(root.path, 'models', 'other'));
    await writeFile(join(root.path, 'models', 'other', 'M.Onnx'), ONNX);
    await expect(pullModels(root.path, withModels({ other: 'models/other/M.Onnx' }), OPTS)).rejects.toThrow(
      'model "other" (models/other/M.Onnx): the file must end in ".onnx" (lowercase) for the service to find it\n  fix: rename it to M.onnx and update `source:`',
    );
  });

  it('locks a model committed in models/<name>/ in place, without copying', async () => {
    await mkdir(join(root.path, 'models', 'scorer'), { recursive: true });
    await writeFile(join(root.path, 'models', 'scorer', 'model.onnx'), ONNX);
    const first = await pullModels(root.path, withModels({ scorer: 'models/scorer/model.onnx' }), OPTS);
    expect(first.lock.models.scorer).toEqual(fileEntry('models/scorer/model.onnx', 'model.onnx', ONNX));
    expect(first.models[0]!.changed).toBe(false);
    expect(await readdir(join(root.path, 'models'))).toEqual(['scorer']);
    const lock = await readFile(join(root.path, 'models.lock.json'));
    const again = await pullModels(root.path, withModels({ scorer: 'models/scorer/model.onnx' }), OPTS);
    expect(again.lockChanged).toBe(false);
    expect(await readFile(join(root.path, 'models.lock.json'))).toEqual(lock);
  });

  it.each([
    ['missing.onnx', undefined, 'MODELS.BAD_SOURCE', 'model "m" (missing.onnx): no such file or directory'],
    ['weights.bin', ONNX, 'MODELS.BAD_SOURCE', 'model "m" (weights.bin): a model file must end in .onnx'],
    ['page.onnx', '<!doctype html><title>Sign in</title>', 'MODELS.BAD_SOURCE', 'model "m" (page.onnx): "page.onnx" is not an ONNX model'],
    ['half.onnx', ONNX.subarray(0, ONNX.length - 9), 'MODELS.BAD_SOURCE', 'model "m" (half.onnx): "half.onnx" is not an ONNX model'],
  ])('refuses %s', async (file, bytes, code, said) => {
    if (bytes !== undefined) await writeFile(join(root.path, file), bytes);
    const err = await pullModels(root.path, withModels({ m: file }), OPTS).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, exitCode: 65 });
    expect((err as Error).message).toContain(said);
    expect(await readdir(join(root.path, 'models'))).toEqual([]);
  });

  it.each([
    ['no MLmodel and no .onnx file', {}, 'MODEL.AMBIGUOUS', 'model "m" (dir): dir has no MLmodel and 0 .onnx files'],
    [
      'bad YAML',
      { MLmodel: 'flavors: [unclosed' },
      'MODEL.BAD_MLMODEL',
      'dir/MLmodel:1:19 error MODEL.BAD_MLMODEL model "m" (dir): dir/MLmodel is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]\n',
    ],
    [
      'pyfunc only',
      { MLmodel: 'flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    data: model.pkl\n' },
      'MODEL.NOT_ONNX',
      'model "m" (dir): dir/MLmodel has no "onnx" flavor (flavors: python_function)',
    ],
    [
      'a stray .onnx beside a non-ONNX MLmodel',
      { MLmodel: 'flavors:\n  sklearn:\n    pickled_model: model.pkl\n', 'stray.onnx': ONNX },
      'MODEL.NOT_ONNX',
      'model "m" (dir): dir/MLmodel has no "onnx" flavor (flavors: sklearn)',
    ],
    ['missing data file', { MLmodel: 'flavors:\n  onnx:\n    data: model.onnx\n' }, 'MODEL.NO_DATA_FILE', 'model "m" (dir): dir/MLmodel names "model.onnx" as the ONNX file, but dir has no such file'],
    [
      'escaping data path',
      { MLmodel: 'flavors:\n  onnx:\n    data: ../../secret.onnx\n' },
      'MODEL.BAD_PATH',
      'model "m" (dir): dir/MLmodel names data file "../../secret.onnx" outside the model directory',
    ],
  ])('refuses an MLflow directory with %s', async (_name, files, code, said) => {
    await mkdir(join(root.path, 'dir'));
    for (const [f, text] of Object.entries(files)) await writeFile(join(root.path, 'dir', f), text);
    const err = await pullModels(root.path, withModels({ m: 'dir' }), OPTS).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, exitCode: 65 });
    expect((err as Error).message).toContain(said);
  });

  it('points at the line and column of a broken MLmodel in a local directory', async () => {
    await mkdir(join(root.path, 'dir'));
    await writeFile(join(root.path, 'dir', 'MLmodel'), 'run_id: abc\nflavors:\n  onnx: {data: model.onnx\n');
    const err = (await pullModels(root.path, withModels({ m: 'dir' }), OPTS).catch((e: unknown) => e)) as ModelsError;
    expect(err.diagnostics.map((d) => [d.code, d.file, d.line, d.col])).toEqual([['MODEL.BAD_MLMODEL', 'dir/MLmodel', 4, 1]]);
  });

  it('refuses a directory source that contains models/ (it would copy itself)', async () => {
    await writeFile(join(root.path, 'MLmodel'), 'flavors:\n  onnx:\n    data: m.onnx\n');
    const said = 'the directory contains models/ itself';
    await expect(pullModels(root.path, withModels({ m: 'models/..' }), OPTS)).rejects.toThrow(`model "m" (models/..): ${said}`);
    await mkdir(join(root.path, 'models', 'm'), { recursive: true });
    await expect(pullModels(root.path, withModels({ m: 'models/m/..' }), OPTS)).rejects.toThrow(`model "m" (models/m/..): ${said}`);
  });

  it('accepts the python_function flavor when mlflow.onnx loads it', async () => {
    await mkdir(join(root.path, 'dir'));
    await writeFile(join(root.path, 'dir', 'MLmodel'), 'flavors:\n  python_function:\n    loader_module: mlflow.onnx\n    data: nested/m.onnx\n');
    await mkdir(join(root.path, 'dir', 'nested'));
    await writeFile(join(root.path, 'dir', 'nested', 'm.onnx'), ONNX);
    const result = await pullModels(root.path, withModels({ m: 'dir' }), OPTS);
    expect(result.lock.models.m!.files.map((f) => f.path)).toEqual(['MLmodel', 'nested/m.onnx']);
  });
});

describe('https sources (served by a local http server, allowed only behind the test option)', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ url: string; authorization?: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      if (req.url?.startsWith('/models/ranker.onnx') || req.url === '/download') {
        res.writeHead(200, { 'content-length': ONNX.length });
        res.end(ONNX);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>Not Found</h1>');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    seen.length = 0;
  });

  const insecure: PullOptions = { ...OPTS, allowInsecureLocalhost: true, env: { MLFLOW_TRACKING_TOKEN: 'secret' } };

  it('downloads the file under its URL name, query ignored, without sending registry credentials', async () => {
    const uri = `${base}/models/ranker.onnx?X-Amz-Signature=abc`;
    const result = await pullModels(root.path, withModels({ ranker: uri }), insecure);
    expect(result.lock.models.ranker).toEqual(fileEntry(uri, 'ranker.onnx', ONNX));
    expect(seen).toEqual([{ url: '/models/ranker.onnx?X-Amz-Signature=abc', authorization: undefined }]);
  });

  it('names the file model.onnx when the URL path does not end in .onnx', async () => {
    const result = await pullModels(root.path, withModels({ ranker: `${base}/download` }), insecure);
    expect(result.lock.models.ranker!.files.map((f) => f.path)).toEqual(['model.onnx']);
  });

  it('refuses plain http without the test option, and non-loopback http even with it', async () => {
    await expect(pullModels(root.path, withModels({ r: `${base}/models/ranker.onnx` }), OPTS)).rejects.toMatchObject({ code: 'MODELS.BAD_SOURCE' });
    await expect(pullModels(root.path, withModels({ r: 'http://example.com/m.onnx' }), insecure)).rejects.toMatchObject({ code: 'MODELS.BAD_SOURCE' });
    expect(seen).toEqual([]);
  });

  it('maps a 404 to MODELS.NOT_FOUND with the URL but not its query', async () => {
    const err = await pullModels(root.path, withModels({ r: `${base}/gone.onnx?token=hunter2` }), insecure).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODELS.NOT_FOUND' });
    expect((err as Error).message).toBe(`mlservice.yaml error MODELS.NOT_FOUND download model "r": ${base}/gone.onnx answered 404 (<h1>Not Found</h1>)\n  fix: check the URL in \`source:\``);
  });
});

describe('https source with an untrusted certificate (real TLS, self-signed cert made by openssl)', () => {
  it('fails at once with MODELS.HTTP and says how to trust the CA', async () => {
    const certs = await tempDir('tls');
    const [key, cert] = [join(certs.path, 'key.pem'), join(certs.path, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {
      stdio: 'ignore',
    });
    let hits = 0;
    const server = createHttpsServer({ key: await readFile(key), cert: await readFile(cert) }, (_req, res) => {
      hits++;
      res.end(ONNX);
    });
    let connections = 0;
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const uri = `https://127.0.0.1:${(server.address() as AddressInfo).port}/m.onnx`;
      const err = await pullModels(root.path, withModels({ m: uri }), OPTS).catch((e: unknown) => e);
      expect((err as Error).message).toBe(
        `mlservice.yaml error MODELS.HTTP download model "m": request to ${uri} failed: DEPTH_ZERO_SELF_SIGNED_CERT\n` +
          '  fix: the server certificate is not trusted here: export NODE_EXTRA_CA_CERTS=<CA bundle (PEM)>; mlgen does not read MLFLOW_TRACKING_SERVER_CERT_PATH or MLFLOW_TRACKING_INSECURE_TLS',
      );
      // Not retried (OPTS allows one retry): a certificate does not get trusted by waiting.
      expect([hits, connections]).toEqual([0, 1]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await certs.cleanup();
    }
  });
});
