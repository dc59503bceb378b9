/**
 * A local stand-in for an MLflow tracking server, written from MLflow's documented REST API and
 * protos (PyPI, and so a real MLflow, is not reachable here). It serves the registry endpoints the
 * pull uses and the artifact proxy over a real directory, with switches for the failures we must
 * handle. Tests built on it are CONTRACT tests, not integration tests with MLflow.
 *
 * @see https://mlflow.org/docs/latest/rest-api.html
 * @see https://github.com/mlflow/mlflow/blob/master/mlflow/protos/model_registry.proto
 * @see https://github.com/mlflow/mlflow/blob/master/mlflow/protos/mlflow_artifacts.proto
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export type Status = 'READY' | 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION';

export interface StubVersion {
  name: string;
  version: string;
  status: Status;
  runId: string;
  stage?: string;
  artifactUri: string;
  statusMessage?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization?: string;
}

export interface StubOptions {
  /** Directory served by the artifact proxy (its root is `mlflow-artifacts:/`). */
  artifactsRoot: string;
  /** Required `Authorization` header value (e.g. `Bearer t0k`); none = open server. */
  authorization?: string;
  /** Answer get-latest-versions like a server without that route (HTML 404). */
  noLatestEndpoint?: boolean;
  /** Versions per page for model-versions/search (to exercise page tokens). */
  searchPageSize?: number;
}

/** Failure switches per artifact file path (relative to the artifacts root). */
export interface Faults {
  /** Answer 503 this many times before serving the file. */
  unavailable: Map<string, number>;
  /** Announce the full length, send half, then cut the connection (every time). */
  truncate: Set<string>;
  /** Announce the full length, send half, then go silent (every time). */
  stall: Set<string>;
  /** Replace the listing of a directory (path relative to the artifacts root). */
  listing: Map<string, unknown>;
}

const API = '/api/2.0/mlflow/';
const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';

export class MlflowStub {
  readonly versions: StubVersion[] = [];
  readonly aliases = new Map<string, string>();
  readonly requests: RecordedRequest[] = [];
  readonly faults: Faults = { unavailable: new Map(), truncate: new Set(), stall: new Set(), listing: new Map() };
  private server?: Server;

  constructor(readonly opts: StubOptions) {}

  addVersion(v: StubVersion): this {
    this.versions.push(v);
    return this;
  }

  setAlias(name: string, alias: string, version: string): this {
    this.aliases.set(`${name}@${alias}`, version);
    return this;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => json(res, 500, { error_code: 'INTERNAL_ERROR', message: String(e) }));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stub');
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ method: req.method ?? '', path: url.pathname, query, authorization: req.headers.authorization });
    if (this.opts.authorization && req.headers.authorization !== this.opts.authorization) {
      // MLflow's basic-auth app answers 401 with a plain-text body and a challenge.
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="mlflow"' });
      res.end('You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html');
      return;
    }
    if (req.method !== 'GET') return json(res, 405, { error_code: 'BAD_REQUEST', message: 'only GET here' });
    if (url.pathname === ARTIFACTS) return this.list(res, query.path ?? '');
    if (url.pathname.startsWith(`${ARTIFACTS}/`)) return this.download(res, decodeURIComponent(url.pathname.slice(ARTIFACTS.length + 1)));
    if (url.pathname.startsWith(API)) return this.registry(res, url.pathname.slice(API.length), query);
    notFoundRoute(res);
  }

  private find(name: string, version: string): StubVersion | undefined {
    return this.versions.find((v) => v.name === name && v.version === version);
  }

  private registry(res: ServerResponse, endpoint: string, q: Record<string, string>): void {
    const name = q.name ?? '';
    switch (endpoint) {
      case 'model-versions/get': {
        const v = this.find(name, q.version ?? '');
        return v ? json(res, 200, { model_version: this.toJson(v) }) : missing(res, `Model Version (name=${name}, version=${q.version}) not found`);
      }
      case 'registered-models/alias': {
        const version = this.aliases.get(`${name}@${q.alias}`);
        const v = version === undefined ? undefined : this.find(name, version);
        return v ? json(res, 200, { model_version: this.toJson(v) }) : missing(res, `Registered model alias ${q.alias} not found.`);
      }
      case 'registered-models/get-latest-versions':
        return this.opts.noLatestEndpoint ? notFoundRoute(res) : this.latest(res, name);
      case 'model-versions/search':
        return this.search(res, q);
      case 'model-versions/get-download-uri': {
        const v = this.find(name, q.version ?? '');
        return v ? json(res, 200, { artifact_uri: v.artifactUri }) : missing(res, `Model Version (name=${name}, version=${q.version}) not found`);
      }
      default:
        return notFoundRoute(res);
    }
  }

  /** Latest version per stage ("None" for unstaged), as `get_latest_versions` with no stages. */
  private latest(res: ServerResponse, name: string): void {
    const mine = this.versions.filter((v) => v.name === name);
    if (mine.length === 0) return missing(res, `Registered Model with name=${name} not found`);
    const perStage = new Map<string, StubVersion>();
    for (const v of mine) {
      const stage = v.stage ?? 'None';
      const best = perStage.get(stage);
      if (!best || Number(best.version) < Number(v.version)) perStage.set(stage, v);
    }
    json(res, 200, { model_versions: [...perStage.values()].map((v) => this.toJson(v)) });
  }

  private search(res: ServerResponse, q: Record<string, string>): void {
    const m = /^name\s*=\s*(['"])(.*)\1$/.exec(q.filter ?? '');
    if (!m) return json(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: `Invalid filter '${q.filter}'` });
    const all = this.versions.filter((v) => v.name === m[2]);
    const size = this.opts.searchPageSize ?? 1000;
    const start = Number(q.page_token ?? '0');
    const page = all.slice(start, start + size);
    const next = start + size < all.length ? { next_page_token: String(start + size) } : {};
    json(res, 200, { model_versions: page.map((v) => this.toJson(v)), ...next });
  }

  private toJson(v: StubVersion): Record<string, unknown> {
    const aliases = [...this.aliases].filter(([k, ver]) => k.startsWith(`${v.name}@`) && ver === v.version).map(([k]) => k.slice(v.name.length + 1));
    return {
      name: v.name,
      version: v.version,
      creation_timestamp: 1764000000000,
      last_updated_timestamp: 1764000000000,
      current_stage: v.stage ?? 'None',
      source: `models:/m-${v.runId.slice(0, 8)}`,
      run_id: v.runId,
      status: v.status,
      ...(v.statusMessage ? { status_message: v.statusMessage } : {}),
      // Empty repeated fields are omitted in MLflow's JSON, as here.
      ...(aliases.length ? { aliases } : {}),
    };
  }

  private async list(res: ServerResponse, path: string): Promise<void> {
    const override = this.faults.listing.get(path);
    if (override !== undefined) return json(res, 200, override);
    const dir = join(this.opts.artifactsRoot, ...path.split('/').filter(Boolean));
    const names = await readdir(dir).catch(() => undefined);
    if (!names || names.length === 0) return json(res, 200, {});
    const files = [];
    for (const n of names.sort()) {
      const s = await stat(join(dir, n));
      files.push(s.isDirectory() ? { path: n, is_dir: true } : { path: n, is_dir: false, file_size: s.size });
    }
    json(res, 200, { files });
  }

  private async download(res: ServerResponse, path: string): Promise<void> {
    const left = this.faults.unavailable.get(path) ?? 0;
    if (left > 0) {
      this.faults.unavailable.set(path, left - 1);
      return json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'try again' });
    }
    const data = await readFile(join(this.opts.artifactsRoot, ...path.split('/'))).catch(() => undefined);
    if (!data) return json(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `File ${path} not found` });
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
    if (this.faults.truncate.has(path)) {
      res.write(data.subarray(0, Math.floor(data.length / 2)), () => res.destroy());
      return;
    }
    if (this.faults.stall.has(path)) {
      res.write(data.subarray(0, Math.floor(data.length / 2)));
      return;
    }
    res.end(data);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function missing(res: ServerResponse, message: string): void {
  json(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message });
}

/** What Flask answers for a route it does not know: an HTML 404, not MLflow JSON. */
function notFoundRoute(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/html' });
  res.end('<!doctype html><title>404 Not Found</title><h1>Not Found</h1>');
}
