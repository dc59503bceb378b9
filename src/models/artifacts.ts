/**
 * Downloads a model version's files through the tracking server's artifact proxy
 * (`mlflow server --serve-artifacts`, the default since MLflow 2.0). The builder only ever needs the
 * tracking server's credentials; stores that need cloud credentials are refused with a way out.
 *
 * - list:     GET <tracking>/api/2.0/mlflow-artifacts/artifacts?path=<dir>  -> {files: [{path, is_dir, file_size}]}
 *             (one level; each `path` is relative to the listed directory; an empty dir may answer `{}`)
 * - download: GET <tracking>/api/2.0/mlflow-artifacts/artifacts/<dir>/<file> -> raw bytes
 *
 * @see https://github.com/mlflow/mlflow/blob/master/mlflow/protos/mlflow_artifacts.proto
 * @see https://github.com/mlflow/mlflow/blob/master/mlflow/store/artifact/mlflow_artifacts_repo.py (URI resolution)
 * @see https://github.com/mlflow/mlflow/blob/master/mlflow/store/artifact/http_artifact_repo.py (listing semantics)
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { MODELS_CODES, ModelsError, excerpt } from './errors.js';
import { downloadFile, getJson, type HttpClient, type RequestContext } from './http.js';
import { assertSafeRelativePath, comparePaths } from './paths.js';

export interface ArtifactLocation {
  /** `<tracking>/api/2.0/mlflow-artifacts/artifacts` (host taken from the URI when it names one). */
  api: URL;
  /** Artifact path under the proxy root, no leading or trailing slash ('' = root). */
  path: string;
}

export interface RemoteFile {
  /** Relative to the model directory. */
  path: string;
  size?: number;
}

const PROXY_PATH = '/api/2.0/mlflow-artifacts/artifacts';
const MAX_DEPTH = 32;
const MAX_FILES = 10_000;

/** Maps `mlflow-artifacts:/p`, `mlflow-artifacts://host[:port]/p` onto the proxy API; refuses other stores. */
export function artifactLocation(artifactUri: string, tracking: URL): ArtifactLocation {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(artifactUri)?.[1]?.toLowerCase() ?? '';
  if (scheme !== 'mlflow-artifacts') throw unsupportedStore(artifactUri, scheme);
  let uri: URL;
  let decoded: string;
  try {
    uri = new URL(artifactUri);
    decoded = decodeURIComponent(uri.pathname);
  } catch {
    throw new ModelsError(MODELS_CODES.BAD_RESPONSE, `artifact URI "${excerpt(artifactUri, 120)}" is not a valid URI`, "check the model version's source in the MLflow UI");
  }
  // `mlflow-artifacts://5000/x` parses as host "5000": a port without a host (MLflow refuses it too).
  if (uri.hostname && /^\d+$/.test(uri.hostname) && !uri.port) {
    throw new ModelsError(MODELS_CODES.BAD_RESPONSE, `artifact URI "${excerpt(artifactUri, 120)}" has a port but no host`, "fix the server's --artifacts-destination / default artifact root");
  }
  const api = new URL(tracking.href);
  if (uri.hostname) {
    api.hostname = uri.hostname;
    api.port = uri.port;
  }
  api.pathname = `${tracking.pathname.replace(/\/+$/, '')}${PROXY_PATH}`;
  const path = decoded.replace(/\/{2,}/g, '/').replace(/^\/+|\/+$/g, '');
  return { api, path };
}

function unsupportedStore(artifactUri: string, scheme: string): ModelsError {
  return new ModelsError(
    MODELS_CODES.UNSUPPORTED_STORE,
    `the model files are at "${excerpt(artifactUri, 160)}"; mlgen reads only through the tracking server's artifact proxy (mlflow-artifacts:), not ${scheme || 'this'} storage`,
    'serve artifacts through the tracking server (`mlflow server --serve-artifacts --artifacts-destination <store>`, then register the model again so its URI is mlflow-artifacts:/...), or download the model yourself and set `source:` to its local directory',
  );
}

function listUrl(loc: ArtifactLocation, dir: string): URL {
  const url = new URL(loc.api.href);
  url.searchParams.set('path', dir);
  return url;
}

function fileUrl(loc: ArtifactLocation, remotePath: string): URL {
  const url = new URL(loc.api.href);
  const segments = remotePath.split('/').map(encodeURIComponent);
  url.pathname = `${loc.api.pathname}/${segments.join('/')}`;
  return url;
}

const join2 = (a: string, b: string) => (a && b ? `${a}/${b}` : a || b);

/** Lists every file under the location, recursing into folders; sorted by path. */
export async function listArtifacts(http: HttpClient, loc: ArtifactLocation, ctx: RequestContext): Promise<RemoteFile[]> {
  const files: RemoteFile[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) throw tooMany(ctx, `folders nested deeper than ${MAX_DEPTH}`);
    const body = await getJson(http, listUrl(loc, join2(loc.path, rel)), { ...ctx, what: `${ctx.what}: list "${rel || '.'}"` });
    const entries = Array.isArray(body.files) ? body.files : [];
    for (const entry of entries as Array<Record<string, unknown>>) {
      if (typeof entry?.path !== 'string') throw badListing(ctx);
      const child = assertSafeRelativePath(join2(rel, entry.path), ctx.what);
      if (entry.is_dir === true) {
        await walk(child, depth + 1);
        continue;
      }
      const size = entry.file_size === undefined ? undefined : Number(entry.file_size);
      files.push(size !== undefined && Number.isSafeInteger(size) && size >= 0 ? { path: child, size } : { path: child });
      if (files.length > MAX_FILES) throw tooMany(ctx, `more than ${MAX_FILES} files`);
    }
  };
  await walk('', 0);
  return files.sort((a, b) => comparePaths(a.path, b.path));
}

function badListing(ctx: RequestContext): ModelsError {
  return new ModelsError(MODELS_CODES.BAD_RESPONSE, `${ctx.what}: an artifact listing entry has no path`, 'check that MLFLOW_TRACKING_URI points at an MLflow server');
}

function tooMany(ctx: RequestContext, what: string): ModelsError {
  return new ModelsError(MODELS_CODES.BAD_RESPONSE, `${ctx.what}: the model directory has ${what}`, 'register a model directory holding the ONNX model and its MLmodel only');
}

export interface FileProgress {
  onFileStart?: (file: RemoteFile) => void;
  onBytes?: (file: RemoteFile, bytes: number) => void;
  onFileDone?: (file: RemoteFile, bytes: number) => void;
}

/** Downloads the listed files into `dest` (which must exist), one at a time. */
export async function downloadArtifacts(http: HttpClient, loc: ArtifactLocation, files: RemoteFile[], dest: string, ctx: RequestContext, progress: FileProgress = {}): Promise<void> {
  for (const file of files) {
    const target = join(dest, ...file.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    progress.onFileStart?.(file);
    const bytes = await downloadFile(
      http,
      fileUrl(loc, join2(loc.path, file.path)),
      target,
      { ...ctx, what: `${ctx.what}: download "${file.path}"` },
      {
        expectedSize: file.size,
        onBytes: (n) => progress.onBytes?.(file, n),
      },
    );
    progress.onFileDone?.(file, bytes);
  }
}
