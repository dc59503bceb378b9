/**
 * `mlgen models pull`: fetch every model of the config into `models/<name>/` and record what was
 * fetched in `models.lock.json`.
 *
 * All or nothing: every model is first staged in `models/.mlgen-pull-*` and verified; only when all
 * succeeded are the staged copies renamed over the old ones and the lock written. A failure or an
 * interrupt leaves the previous `models/<name>/` and the lock as they were (stale staging
 * directories are removed by the next pull).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LockedModel, ModelsLock } from '@mlservice/runtime';
import type { ModelSpec, ServiceModel } from '../config/model.js';
import { MODELS_CODES, ModelsError } from './errors.js';
import type { HttpClient } from './http.js';
import { dirMatches, hashDir, modelDigest, readLock, writeLock } from './lock.js';
import { assertMatchesLock, lockedEntry, lockedSource, requireLock } from './locked.js';
import type { ProgressEvent } from './progress.js';
import { trackingServerFromEnv, type TrackingServer } from './registry.js';
import { fetchSource, type Fetched } from './sources.js';

export interface PullOptions {
  /** Where MLFLOW_* variables are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  onProgress?: (e: ProgressEvent) => void;
  /** Pull only these models; the lock keeps the other models' entries. */
  only?: string[];
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Extra attempts for network errors, 429 and 5xx. Default `$MLFLOW_HTTP_REQUEST_MAX_RETRIES`, else 5; at most 20. */
  retries?: number;
  /** First backoff delay in ms, doubling per attempt. Default 500. */
  retryDelayMs?: number;
  /** Per request (JSON) / per pause between chunks (downloads), ms. Default `$MLFLOW_HTTP_REQUEST_TIMEOUT` seconds, else 120 s. */
  timeoutMs?: number;
  /** Download registry models even when `models/<name>/` already holds the locked files of the resolved version. */
  force?: boolean;
  /**
   * Pull exactly what `models.lock.json` records (hotfix deploys): registry sources at the locked
   * version, never re-resolved; every model must hash to its lock entry; the lock is not written.
   */
  locked?: boolean;
  /** Tests only: also accept `http://127.0.0.1|localhost|[::1]` for URL sources. */
  allowInsecureLocalhost?: boolean;
}

export interface PulledModel {
  name: string;
  /** False when `models/<name>/` already held exactly these files. */
  changed: boolean;
  entry: LockedModel;
}

export interface PullResult {
  lock: ModelsLock;
  /** Whether `models.lock.json` was (re)written. */
  lockChanged: boolean;
  models: PulledModel[];
}

const STAGING_PREFIX = '.mlgen-pull-';
const OLD_PREFIX = '.mlgen-old-';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

interface Staged {
  spec: ModelSpec;
  fetched: Fetched;
  staging: string;
  entry: LockedModel;
}

function selectModels(model: ServiceModel, only: string[] | undefined): ModelSpec[] {
  for (const m of model.models) {
    if (!DNS_LABEL.test(m.name))
      throw new ModelsError(MODELS_CODES.BAD_SOURCE, `model name "${m.name}" is not a DNS-1123 label`, 'use lowercase letters, digits and "-" (it becomes a directory name)');
  }
  if (!only) return model.models;
  const known = new Set(model.models.map((m) => m.name));
  const unknown = only.filter((n) => !known.has(n));
  if (unknown.length) {
    throw new ModelsError(MODELS_CODES.UNKNOWN_MODEL, `no model named ${unknown.map((n) => `"${n}"`).join(', ')} in mlservice.yaml`, `known models: ${[...known].join(', ') || '(none)'}`);
  }
  return model.models.filter((m) => only.includes(m.name));
}

async function removeLeftovers(modelsDir: string): Promise<void> {
  const entries = await readdir(modelsDir).catch(() => [] as string[]);
  for (const e of entries) {
    if (e.startsWith(STAGING_PREFIX) || e.startsWith(OLD_PREFIX)) await rm(join(modelsDir, e), { recursive: true, force: true });
  }
}

const MAX_RETRIES = 20;

/** A non-negative integer from the environment, else `fallback`. */
function envInt(value: string | undefined, fallback: number): number {
  const n = value === undefined || value.trim() === '' ? NaN : Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : fallback;
}

/** MLflow's own client settings apply too, so one environment configures both clients. */
function clients(opts: PullOptions): { plain: HttpClient; registry: () => { http: HttpClient; server: TrackingServer } } {
  const env = opts.env ?? process.env;
  const retries = Math.min(opts.retries ?? envInt(env.MLFLOW_HTTP_REQUEST_MAX_RETRIES, 5), MAX_RETRIES);
  const timeoutMs = opts.timeoutMs ?? envInt(env.MLFLOW_HTTP_REQUEST_TIMEOUT, 120) * 1000;
  const plain: HttpClient = { fetch: opts.fetch ?? fetch, headers: {}, retries, baseDelayMs: opts.retryDelayMs ?? 500, timeoutMs };
  let cached: { http: HttpClient; server: TrackingServer } | undefined;
  const registry = () => {
    if (!cached) {
      const server = trackingServerFromEnv(env);
      cached = { server, http: { ...plain, headers: server.headers } };
    }
    return cached;
  };
  return { plain, registry };
}

/**
 * Fetches one model into a fresh staging directory and builds its lock entry. With `locked` (the
 * model's lock entry under `--locked`) the locked version is fetched and must hash to the entry,
 * which is then kept as it is.
 */
async function stageModel(
  root: string,
  modelsDir: string,
  spec: ModelSpec,
  opts: PullOptions,
  c: ReturnType<typeof clients>,
  previous: LockedModel | undefined,
  locked?: LockedModel,
): Promise<Staged> {
  const emit = opts.onProgress ?? (() => {});
  // Not mkdtemp: its 0700 mode survives the rename to models/<name>, and the image's non-root
  // user could not read a model COPY'd with that mode. mkdir honours the umask like any folder.
  const staging = join(modelsDir, `${STAGING_PREFIX}${spec.name}-${randomBytes(6).toString('hex')}`);
  await mkdir(staging);
  try {
    emit({ type: 'model-start', model: spec.name, source: spec.source.uri });
    const fetched = await fetchSource(
      {
        root,
        name: spec.name,
        dest: join(modelsDir, spec.name),
        staging,
        emit,
        plain: c.plain,
        registry: c.registry,
        allowInsecureLocalhost: opts.allowInsecureLocalhost === true,
        ...(opts.force ? {} : { previous }),
      },
      locked ? lockedSource(spec.source, locked) : spec.source,
    );
    const files = fetched.files ?? (await hashDir(fetched.dir));
    if (locked) {
      assertMatchesLock(spec.name, locked, files);
      return { spec, fetched, staging, entry: locked };
    }
    const r = fetched.registry;
    const registry = r ? { registeredModel: r.registeredModel, version: r.version, runId: r.runId, ...(r.alias ? { alias: r.alias } : {}) } : null;
    return { spec, fetched, staging, entry: { source: spec.source.uri, registry, files, sha256: modelDigest(files) } };
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}

/** Renames `staging` over `dest`; if the second rename fails the old copy is put back. */
async function swapIn(staging: string, dest: string, modelsDir: string, name: string): Promise<void> {
  const old = join(modelsDir, `${OLD_PREFIX}${name}-${process.pid}`);
  let moved = false;
  try {
    await rename(dest, old);
    moved = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  try {
    await rename(staging, dest);
  } catch (e) {
    if (moved) await rename(old, dest);
    throw e;
  }
  if (moved) await rm(old, { recursive: true, force: true });
}

/** Installs a staged model unless `models/<name>/` already holds the same files. Returns whether it changed. */
async function install(s: Staged, modelsDir: string): Promise<boolean> {
  const dest = join(modelsDir, s.spec.name);
  if (s.fetched.dir === dest) {
    await rm(s.staging, { recursive: true, force: true });
    return false;
  }
  if (await dirMatches(dest, s.entry.sha256)) {
    await rm(s.staging, { recursive: true, force: true });
    return false;
  }
  await swapIn(s.staging, dest, modelsDir, s.spec.name);
  return true;
}

/** The previous lock, or none; an unreadable lock only matters when other models' entries must be kept. */
async function previousLock(root: string, partial: boolean): Promise<ModelsLock | undefined> {
  try {
    return await readLock(root);
  } catch (e) {
    if (!partial && e instanceof ModelsError && e.code === MODELS_CODES.LOCK_INVALID) return undefined;
    throw e;
  }
}

/** Stages every selected model, then installs them all; a failure removes every staging dir and installs nothing. */
async function stageAndInstall(root: string, selected: ModelSpec[], opts: PullOptions, previous: ModelsLock | undefined): Promise<PulledModel[]> {
  const modelsDir = join(root, 'models');
  await mkdir(modelsDir, { recursive: true });
  await removeLeftovers(modelsDir);
  const c = clients(opts);
  const staged: Staged[] = [];
  try {
    for (const spec of selected) {
      const entry = previous?.models[spec.name];
      staged.push(await stageModel(root, modelsDir, spec, opts, c, entry, opts.locked ? entry : undefined));
    }
  } catch (e) {
    await Promise.all(staged.map((s) => rm(s.staging, { recursive: true, force: true })));
    throw e;
  }
  const pulled: PulledModel[] = [];
  for (const s of staged) {
    const changed = await install(s, modelsDir);
    pulled.push({ name: s.spec.name, changed, entry: s.entry });
    const r = s.entry.registry;
    opts.onProgress?.({
      type: 'model-done',
      model: s.spec.name,
      source: s.entry.source,
      ...(r ? { version: r.version } : {}),
      files: s.entry.files.length,
      bytes: s.entry.files.reduce((n, f) => n + f.size, 0),
      sha256: s.entry.sha256,
      changed,
    });
  }
  return pulled;
}

/** Pulls the models of `model` (or `opts.only`) into `<root>/models/` and writes `<root>/models.lock.json`. */
export async function pullModels(root: string, model: ServiceModel, opts: PullOptions = {}): Promise<PullResult> {
  const absRoot = resolve(root);
  const selected = selectModels(model, opts.only);
  if (opts.locked) {
    const lock = await requireLock(absRoot);
    for (const spec of selected) lockedEntry(lock, spec); // refuse before anything is fetched
    // --locked never rewrites the lock: it stays byte-identical.
    return { lock, lockChanged: false, models: await stageAndInstall(absRoot, selected, opts, lock) };
  }
  const previous = await previousLock(absRoot, opts.only !== undefined);
  const pulled = await stageAndInstall(absRoot, selected, opts, previous);
  const lock: ModelsLock = { lockVersion: 1, models: {} };
  for (const m of model.models) {
    const entry = pulled.find((p) => p.name === m.name)?.entry ?? previous?.models[m.name];
    if (entry) lock.models[m.name] = entry;
  }
  const lockChanged = await writeLock(absRoot, lock);
  return { lock, lockChanged, models: pulled };
}
