/**
 * Fetches one model source into a staging directory: a registry version through the artifact proxy,
 * a local `.onnx` file or MLflow model directory (copied), or an https `.onnx` URL (downloaded).
 * Nothing here touches `models/<name>/` itself; `pull.ts` swaps the staged copy in afterwards.
 */
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { LockedModel } from '@mlservice/runtime';
import type { ModelSource } from '../config/model.js';
import { artifactLocation, downloadArtifacts, listArtifacts } from './artifacts.js';
import { MODELS_CODES, ModelsError } from './errors.js';
import { downloadFile, type HttpClient, type RequestContext } from './http.js';
import { dirMatches, listFiles, modelDigest, type LockedFile } from './lock.js';
import { isSafeRelativePath } from './paths.js';
import type { ProgressEvent } from './progress.js';
import { resolveRegistrySource, type RegistrySource, type ResolvedVersion, type TrackingServer } from './registry.js';
import { verifyModelDir, verifySingleFile } from './verify.js';

export interface FetchContext {
  root: string;
  name: string;
  /** `models/<name>` (absolute). */
  dest: string;
  /** Staging directory (exists, empty). */
  staging: string;
  emit: (e: ProgressEvent) => void;
  /** Client for the tracking server (with auth). Created lazily: only registry sources need it. */
  registry: () => { http: HttpClient; server: TrackingServer };
  /** Client for plain URLs (never carries the registry's credentials). */
  plain: HttpClient;
  allowInsecureLocalhost: boolean;
  /**
   * The model's previous lock entry when a download may be skipped: a registry version's files do not
   * change, so if it resolves to the locked version and `dest` still matches the lock, nothing is fetched.
   */
  previous?: LockedModel;
}

export interface Fetched {
  /** Directory holding the model: `staging`, or `dest` when the source already lives there. */
  dir: string;
  registry: ResolvedVersion | null;
  /** The files' lock list when already known (the locked copy was reused). */
  files?: LockedFile[];
}

const where = (ctx: FetchContext) => `model "${ctx.name}"`;

async function fetchRegistry(ctx: FetchContext, source: RegistrySource): Promise<Fetched> {
  const { http, server } = ctx.registry();
  const resolved = await resolveRegistrySource(http, server, source);
  ctx.emit({ type: 'model-resolved', model: ctx.name, version: resolved.version, runId: resolved.runId, ...(resolved.alias ? { alias: resolved.alias } : {}) });
  if (ctx.previous && (await isLockedCopy(ctx.previous, ctx.dest, source, resolved))) return { dir: ctx.dest, registry: resolved, files: ctx.previous.files };
  const loc = artifactLocation(resolved.artifactUri, server.tracking);
  const req: RequestContext = {
    what: `files of ${resolved.registeredModel}/${resolved.version}`,
    notFoundFix: "the artifact store no longer has this version's files; register the model again",
    authFix: "the account needs READ permission on the experiment that holds this model's artifacts",
  };
  const files = await listArtifacts(http, loc, req);
  await downloadArtifacts(http, loc, files, ctx.staging, req, {
    onFileStart: (f) => ctx.emit({ type: 'file-start', model: ctx.name, path: f.path, ...(f.size === undefined ? {} : { size: f.size }) }),
    onBytes: (f, bytes) => ctx.emit({ type: 'file-progress', model: ctx.name, path: f.path, bytes, ...(f.size === undefined ? {} : { size: f.size }) }),
    onFileDone: (f, bytes) => ctx.emit({ type: 'file-done', model: ctx.name, path: f.path, bytes }),
  });
  await verifyModelDir(ctx.staging, `${where(ctx)} (${source.uri})`, { as: 'the downloaded model directory', isPath: false });
  return { dir: ctx.staging, registry: resolved };
}

async function isLockedCopy(p: LockedModel, dest: string, source: RegistrySource, resolved: ResolvedVersion): Promise<boolean> {
  const r = p.registry;
  const same = p.source === source.uri && r?.registeredModel === resolved.registeredModel && r.version === resolved.version && r.runId === resolved.runId;
  return same && modelDigest(p.files) === p.sha256 && (await dirMatches(dest, p.sha256));
}

function isInside(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent + sep);
}

async function copyTree(ctx: FetchContext, from: string): Promise<void> {
  for (const f of await listFiles(from)) {
    const target = join(ctx.staging, ...f.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    ctx.emit({ type: 'file-start', model: ctx.name, path: f.path, size: f.size });
    await copyFile(f.abs, target);
    ctx.emit({ type: 'file-done', model: ctx.name, path: f.path, bytes: f.size });
  }
}

/**
 * A local path is copied into staging, except when it already lies in `models/<name>/` (models
 * committed to the repo): then the directory is verified and locked as it is.
 */
async function fetchLocal(ctx: FetchContext, source: Extract<ModelSource, { kind: 'local' }>): Promise<Fetched> {
  const abs = resolve(ctx.root, source.path);
  const s = await stat(abs).catch(() => undefined);
  const label = `${where(ctx)} (${source.path})`;
  if (!s || (!s.isFile() && !s.isDirectory())) {
    throw new ModelsError(MODELS_CODES.BAD_SOURCE, `${label}: no such file or directory`, 'check `source:`; local paths are relative to the directory that holds mlservice.yaml');
  }
  const inPlace = isInside(abs, ctx.dest);
  if (s.isDirectory()) {
    if (inPlace && abs !== ctx.dest) {
      throw new ModelsError(
        MODELS_CODES.BAD_SOURCE,
        `${label}: a model directory inside models/${ctx.name}/ must be models/${ctx.name} itself`,
        `set source to models/${ctx.name} or move the directory elsewhere`,
      );
    }
    if (isInside(dirname(ctx.dest), abs)) {
      throw new ModelsError(MODELS_CODES.BAD_SOURCE, `${label}: the directory contains models/ itself`, 'point `source:` at the MLflow model directory (the one holding MLmodel)');
    }
    // Checked where the user keeps it, so a fault is shown at its own path (and MLmodel line).
    await verifyModelDir(abs, label, { as: source.path, isPath: true });
    if (inPlace) return { dir: ctx.dest, registry: null };
    await copyTree(ctx, abs);
    return { dir: ctx.staging, registry: null };
  }
  if (!abs.toLowerCase().endsWith('.onnx')) {
    throw new ModelsError(MODELS_CODES.BAD_SOURCE, `${label}: a model file must end in .onnx`, 'point `source:` at an .onnx file or an MLflow model directory (the one holding MLmodel)');
  }
  if (inPlace) {
    if (!abs.endsWith('.onnx')) {
      throw new ModelsError(
        MODELS_CODES.BAD_SOURCE,
        `${label}: the file must end in ".onnx" (lowercase) for the service to find it`,
        `rename it to ${basename(abs).replace(/\.onnx$/i, '.onnx')} and update \`source:\``,
      );
    }
    await verifySingleFile(dirname(abs), basename(abs), label);
    return { dir: ctx.dest, registry: null };
  }
  const name = onnxName(basename(abs));
  ctx.emit({ type: 'file-start', model: ctx.name, path: name, size: s.size });
  await copyFile(abs, join(ctx.staging, name));
  ctx.emit({ type: 'file-done', model: ctx.name, path: name, bytes: s.size });
  await verifySingleFile(ctx.staging, name, label);
  return { dir: ctx.staging, registry: null };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The file name a URL's model is stored under: its last path segment if that is a plain `*.onnx`. */
export function urlFileName(url: URL): string {
  let last = '';
  try {
    last = decodeURIComponent(url.pathname.split('/').pop() ?? '');
  } catch {
    last = '';
  }
  return isSafeRelativePath(last) && !last.includes('/') && /\.onnx$/i.test(last) ? onnxName(last) : 'model.onnx';
}

/** The runtime looks for `*.onnx` (case-sensitive), so the extension is stored in lowercase. */
function onnxName(fileName: string): string {
  return fileName.replace(/\.onnx$/i, '.onnx');
}

async function fetchUrl(ctx: FetchContext, source: Extract<ModelSource, { kind: 'https' }>): Promise<Fetched> {
  let url: URL | undefined;
  try {
    url = new URL(source.url);
  } catch {
    url = undefined;
  }
  const insecureOk = ctx.allowInsecureLocalhost && url?.protocol === 'http:' && LOOPBACK.has(url.hostname);
  if (!url || (url.protocol !== 'https:' && !insecureOk)) {
    throw new ModelsError(MODELS_CODES.BAD_SOURCE, `${where(ctx)}: "${source.uri}" is not an https URL`, 'serve the .onnx file over https, or download it and use a local path');
  }
  const name = urlFileName(url);
  const req: RequestContext = {
    what: `download ${where(ctx)}`,
    notFoundFix: 'check the URL in `source:`',
    authFix: 'the URL must be downloadable without credentials (e.g. a presigned URL), or download it yourself and use a local path',
  };
  ctx.emit({ type: 'file-start', model: ctx.name, path: name });
  const bytes = await downloadFile(ctx.plain, url, join(ctx.staging, name), req, {
    onBytes: (n) => ctx.emit({ type: 'file-progress', model: ctx.name, path: name, bytes: n }),
  });
  ctx.emit({ type: 'file-done', model: ctx.name, path: name, bytes });
  await verifySingleFile(ctx.staging, name, `${where(ctx)} (${source.uri})`);
  return { dir: ctx.staging, registry: null };
}

export async function fetchSource(ctx: FetchContext, source: ModelSource): Promise<Fetched> {
  switch (source.kind) {
    case 'local':
      return fetchLocal(ctx, source);
    case 'https':
      return fetchUrl(ctx, source);
    default:
      return fetchRegistry(ctx, source);
  }
}
