/**
 * Resolves `models:/<name>/<version>`, `models:/<name>@<alias>` and `models:/<name>/latest` against an
 * MLflow tracking server (REST API 2.0) to one READY model version and the URI of its files.
 *
 * Unity Catalog names (`main.reco.ranker`) are ordinary names here and are passed through as written.
 * A Databricks UC registry itself (`databricks-uc`) speaks a parallel API under
 * `/api/2.0/mlflow/unity-catalog/` and hands out cloud credentials instead of proxied artifacts,
 * so it is refused with a clear error rather than half-supported.
 *
 * @see https://mlflow.org/docs/latest/rest-api.html#get-modelversion
 * @see https://github.com/mlflow/mlflow/blob/master/mlflow/protos/model_registry.proto
 * @see https://github.com/mlflow/mlflow/blob/master/mlflow/utils/credentials.py (auth precedence)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelSource } from '../config/model.js';
import { MODELS_CODES, ModelsError, excerpt } from './errors.js';
import { getJson, type HttpClient, type RequestContext } from './http.js';

export type RegistrySource = Extract<ModelSource, { kind: 'registry-version' | 'registry-alias' | 'registry-latest' }>;

export interface TrackingServer {
  /** Base URL of the tracking server (artifact proxy lives here). */
  tracking: URL;
  /** Base URL of the model registry (`MLFLOW_REGISTRY_URI`, else the tracking server). */
  registry: URL;
  /** Authorization header for both. */
  headers: Record<string, string>;
}

/** One resolved, READY model version. */
export interface ResolvedVersion {
  registeredModel: string;
  version: string;
  runId: string;
  alias?: string;
  artifactUri: string;
}

const AUTH_FIX = 'set MLFLOW_TRACKING_TOKEN (sent as Bearer) or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (sent as Basic) for an account that may read this registered model';

/**
 * `raw` with the `user:password@` of its authority replaced, for messages: CI prints them, and
 * an unsupported scheme is refused before the credential check below (found by
 * test/e2e/no-secrets.test.ts: `ftp://user:<password>@host` was echoed whole).
 */
function withoutUserinfo(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}

function parseServerUri(raw: string, variable: string): URL {
  // `databricks`, `databricks-uc`, `databricks://profile`, `databricks-uc://profile`, `uc:...`
  const scheme = /^([a-z][a-z0-9+.-]*)(:|$)/i.exec(raw)?.[1]?.toLowerCase();
  if (scheme === 'databricks' || scheme === 'databricks-uc' || scheme === 'uc') {
    throw new ModelsError(
      MODELS_CODES.UNSUPPORTED_REGISTRY,
      `${variable}=${scheme}: Databricks and Unity Catalog registries are not supported by mlgen yet`,
      'export the model to an MLflow server started with --serve-artifacts, or download it yourself and use a local path as `source`',
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    url = new URL('file:///');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ModelsError(
      MODELS_CODES.UNSUPPORTED_REGISTRY,
      `${variable} must be an http(s) URL of an MLflow tracking server, got "${excerpt(withoutUserinfo(raw), 80)}"`,
      'run `mlflow server --serve-artifacts` and set the variable to its URL, e.g. https://mlflow.example.com',
    );
  }
  if (url.username || url.password) {
    throw new ModelsError(
      MODELS_CODES.UNSUPPORTED_REGISTRY,
      `${variable} contains credentials; they would end up in logs`,
      'remove them from the URL and set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD instead',
    );
  }
  url.search = '';
  url.hash = '';
  return url;
}

/** Reads the MLflow client's environment variables; same precedence as the Python client. */
export function trackingServerFromEnv(env: NodeJS.ProcessEnv): TrackingServer {
  const raw = env.MLFLOW_TRACKING_URI?.trim();
  if (!raw) {
    throw new ModelsError(
      MODELS_CODES.NO_TRACKING_URI,
      'a `models:/` source needs the MLflow registry, but MLFLOW_TRACKING_URI is not set',
      'export MLFLOW_TRACKING_URI=https://<your mlflow server> (and MLFLOW_TRACKING_TOKEN if it needs auth)',
    );
  }
  const tracking = parseServerUri(raw, 'MLFLOW_TRACKING_URI');
  const registryRaw = env.MLFLOW_REGISTRY_URI?.trim();
  const registry = registryRaw ? parseServerUri(registryRaw, 'MLFLOW_REGISTRY_URI') : tracking;
  return { tracking, registry, headers: authHeaders(env) };
}

/**
 * `mlflow_tracking_username` / `mlflow_tracking_password` from the `[mlflow]` section of
 * `$HOME/.mlflow/credentials` (an INI file), the way MLflow's `read_mlflow_creds` reads it.
 */
export function credentialsFile(env: NodeJS.ProcessEnv): { username?: string; password?: string } {
  if (!env.HOME) return {};
  let text: string;
  try {
    text = readFileSync(join(env.HOME, '.mlflow', 'credentials'), 'utf8');
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!.trim();
    const kv = /^([^=:#;\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(line);
    if (!header && kv && section === 'mlflow') out[kv[1]!.toLowerCase()] = kv[2]!;
  }
  return { username: out.mlflow_tracking_username, password: out.mlflow_tracking_password };
}

/** Basic wins over Bearer when both are configured, as in MLflow's `http_request`; env wins over the file per field. */
export function authHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  const file = credentialsFile(env);
  const user = env.MLFLOW_TRACKING_USERNAME || file.username;
  const password = env.MLFLOW_TRACKING_PASSWORD || file.password;
  if (user && password) return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
  const token = env.MLFLOW_TRACKING_TOKEN;
  if (token) return { authorization: `Bearer ${token}` };
  return {};
}

/** `<base>/api/2.0/mlflow/<endpoint>?<query>`, keeping a path prefix of the base (reverse proxies). */
export function apiUrl(base: URL, endpoint: string, query: Record<string, string>): URL {
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}/api/2.0/mlflow/${endpoint}`;
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url;
}

interface ModelVersionJson {
  name: string;
  version: string;
  status: string;
  statusMessage: string;
  runId: string;
}

function readModelVersion(value: unknown, what: string): ModelVersionJson {
  const mv = value as Record<string, unknown> | undefined;
  const version = mv?.version;
  if (!mv || typeof mv !== 'object' || (typeof version !== 'string' && typeof version !== 'number')) {
    throw new ModelsError(MODELS_CODES.BAD_RESPONSE, `${what}: the answer has no model_version.version`, 'check that MLFLOW_TRACKING_URI points at an MLflow server');
  }
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  // Enums arrive as names. MLflow always sends `status`; a missing one is refused as not READY.
  return { name: str(mv.name), version: String(version), status: str(mv.status), statusMessage: str(mv.status_message), runId: str(mv.run_id) };
}

function context(what: string, notFoundFix: string): RequestContext {
  return { what, notFoundFix, authFix: AUTH_FIX };
}

async function versionFor(http: HttpClient, server: TrackingServer, source: RegistrySource): Promise<ModelVersionJson> {
  const name = source.registeredModel;
  if (source.kind === 'registry-version') {
    const what = `get model version ${name}/${source.version}`;
    const body = await getJson(
      http,
      apiUrl(server.registry, 'model-versions/get', { name, version: source.version }),
      context(what, `check that registered model "${name}" has version ${source.version} (names are case-sensitive)`),
    );
    return readModelVersion(body.model_version, what);
  }
  if (source.kind === 'registry-alias') {
    const what = `get alias ${name}@${source.alias}`;
    const body = await getJson(
      http,
      apiUrl(server.registry, 'registered-models/alias', { name, alias: source.alias }),
      context(what, `check that registered model "${name}" exists and has the alias "${source.alias}"`),
    );
    return readModelVersion(body.model_version, what);
  }
  return latestVersion(http, server, name);
}

/**
 * `latest` = the highest version number over all stages, like MLflow's `models:/<name>/latest`.
 * Servers without `get-latest-versions` (it is deprecated with stages) fall back to `model-versions/search`.
 */
async function latestVersion(http: HttpClient, server: TrackingServer, name: string): Promise<ModelVersionJson> {
  const what = `get latest version of ${name}`;
  const ctx = context(what, `check that registered model "${name}" exists and has at least one version`);
  let versions: unknown[];
  try {
    const body = await getJson(http, apiUrl(server.registry, 'registered-models/get-latest-versions', { name }), ctx);
    versions = Array.isArray(body.model_versions) ? body.model_versions : [];
  } catch (e) {
    const endpointMissing = e instanceof ModelsError && e.code === MODELS_CODES.NOT_FOUND && e.serverCode !== 'RESOURCE_DOES_NOT_EXIST';
    if (!endpointMissing) throw e;
    versions = await searchVersions(http, server, name, ctx);
  }
  const parsed = versions.map((v) => readModelVersion(v, what));
  const best = parsed.reduce<ModelVersionJson | undefined>((a, b) => (a && Number(a.version) >= Number(b.version) ? a : b), undefined);
  if (!best) throw new ModelsError(MODELS_CODES.NOT_FOUND, `${what}: registered model "${name}" has no versions`, ctx.notFoundFix);
  return best;
}

const MAX_SEARCH_PAGES = 100;

async function searchVersions(http: HttpClient, server: TrackingServer, name: string, ctx: RequestContext): Promise<unknown[]> {
  // MLflow's filter grammar quotes with ' or "; a name holding both cannot be expressed.
  const quote = name.includes("'") ? '"' : "'";
  const all: unknown[] = [];
  let pageToken = '';
  for (let page = 0; page < MAX_SEARCH_PAGES; page++) {
    const query: Record<string, string> = { filter: `name=${quote}${name}${quote}`, max_results: '1000' };
    if (pageToken) query.page_token = pageToken;
    const body = await getJson(http, apiUrl(server.registry, 'model-versions/search', query), ctx);
    if (Array.isArray(body.model_versions)) all.push(...body.model_versions);
    pageToken = typeof body.next_page_token === 'string' ? body.next_page_token : '';
    if (!pageToken) break;
  }
  return all;
}

function assertReady(mv: ModelVersionJson, source: RegistrySource): void {
  if (mv.status === 'READY') return;
  const why = mv.statusMessage ? `: ${excerpt(mv.statusMessage, 200)}` : '';
  const fix =
    mv.status === 'PENDING_REGISTRATION'
      ? 'wait until the registration finishes (the MLflow UI shows it), then pull again; or pin a READY version in mlservice.yaml'
      : 'register the model again, or pin a READY version in mlservice.yaml';
  throw new ModelsError(MODELS_CODES.NOT_READY, `${source.uri} resolves to version ${mv.version} with status ${mv.status || '(none)'}${why}; only READY versions are pulled`, fix);
}

/** Resolves a registry source to a READY version and its artifact URI (via get-download-uri, never `source`). */
export async function resolveRegistrySource(http: HttpClient, server: TrackingServer, source: RegistrySource): Promise<ResolvedVersion> {
  const mv = await versionFor(http, server, source);
  assertReady(mv, source);
  const name = source.registeredModel;
  const what = `get download URI of ${name}/${mv.version}`;
  const body = await getJson(
    http,
    apiUrl(server.registry, 'model-versions/get-download-uri', { name, version: mv.version }),
    context(what, `check that version ${mv.version} of "${name}" still exists`),
  );
  if (typeof body.artifact_uri !== 'string' || body.artifact_uri === '') {
    throw new ModelsError(MODELS_CODES.BAD_RESPONSE, `${what}: the answer has no artifact_uri`, 'check that MLFLOW_TRACKING_URI points at an MLflow server');
  }
  const resolved: ResolvedVersion = { registeredModel: name, version: mv.version, runId: mv.runId, artifactUri: body.artifact_uri };
  if (source.kind === 'registry-alias') resolved.alias = source.alias;
  return resolved;
}
