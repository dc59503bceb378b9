/**
 * A local stand-in for the part of GitHub's REST API that the generated review job calls, written
 * from GitHub's documentation (api.github.com cannot be reached from here). Tests built on it are
 * CONTRACT tests of the job's requests, not integration tests with GitHub.
 *
 * Modelled rules:
 * - `GET /repos/{owner}/{repo}/issues/{n}/labels` -> 200, the labels of the pull request.
 * - `POST /repos/{owner}/{repo}/issues/{n}/labels` `{"labels": [names]}` -> 200, every label of the
 *   issue; "If you provide an empty array of labels, all labels are removed from the issue".
 *   Every name must be a label of the repository (GitHub once created missing ones on the fly,
 *   github/docs#35718; since 2025 a GITHUB_TOKEN may not, googleapis/release-please-action#1074),
 *   so the stub takes the strict side: an unknown name is 422.
 * - `DELETE /repos/{owner}/{repo}/issues/{n}/labels/{name}` -> 200, the labels left; 404
 *   "Label does not exist" when the issue does not carry it.
 * - `POST /repos/{owner}/{repo}/labels` `{name, color, description}` -> 201; 422 with an error of
 *   code `already_exists` when a label of that name (any case) exists.
 * - A read-only token (a pull request from a fork, whatever the workflow's `permissions:`) may read;
 *   every write is 403 "Resource not accessible by integration". An unknown token is 401.
 * - Requests carry `Accept: application/vnd.github+json`; a body is JSON.
 * @see https://docs.github.com/rest/issues/labels
 * @see https://docs.github.com/actions/security-for-github-actions/security-guides/automatic-token-authentication#permissions-for-the-github_token
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubLabel {
  name: string;
  color: string;
  description: string | null;
}

export interface RecordedCall {
  method: string;
  path: string;
  accept?: string;
  apiVersion?: string;
  body?: unknown;
}

export interface GitHubStub {
  /** Base URL, as the runner gives it in GITHUB_API_URL. */
  url: string;
  /** Labels defined in the repository, by name. */
  repoLabels: Map<string, StubLabel>;
  /** Label names on each issue / pull request, by number. */
  issueLabels: Map<number, string[]>;
  calls: RecordedCall[];
  /** Answer the next request with this status (a GitHub outage), once. */
  failNext?: number;
  close: () => Promise<void>;
}

export interface StubOptions {
  /** `owner/repo` this stub serves. */
  repository: string;
  /** token -> what it may do. */
  tokens: Record<string, 'write' | 'read'>;
  repoLabels?: StubLabel[];
  issueLabels?: Record<number, string[]>;
}

const DOCS = 'https://docs.github.com/rest/issues/labels';

function send(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body === undefined ? '' : JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

export async function startGitHubStub(o: StubOptions): Promise<GitHubStub> {
  const stub: Omit<GitHubStub, 'url' | 'close'> = {
    repoLabels: new Map((o.repoLabels ?? []).map((l) => [l.name, l])),
    issueLabels: new Map(Object.entries(o.issueLabels ?? {}).map(([n, names]) => [Number(n), [...names]])),
    calls: [],
  };
  const server: Server = createServer((req, res) => {
    handle(o, stub as GitHubStub, req, res).catch((err: Error) => send(res, 500, { message: err.message }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(stub, { url, close: () => new Promise<void>((r) => server.close(() => r())) });
}

async function handle(o: StubOptions, stub: GitHubStub, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { pathname } = new URL(req.url ?? '/', 'http://x');
  const method = req.method ?? 'GET';
  const body = await readJson(req);
  stub.calls.push({ method, path: req.url ?? '', accept: req.headers.accept, apiVersion: req.headers['x-github-api-version'] as string | undefined, body });
  if (stub.failNext !== undefined) {
    const status = stub.failNext;
    stub.failNext = undefined;
    return send(res, status, { message: 'Server Error' });
  }
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const access = token === undefined ? undefined : o.tokens[token];
  if (access === undefined) return send(res, 401, { message: 'Bad credentials', documentation_url: DOCS });
  if (method !== 'GET' && access !== 'write') {
    return send(res, 403, { message: 'Resource not accessible by integration', documentation_url: DOCS });
  }
  const repo = `/repos/${o.repository}`;
  const issue = new RegExp(`^${repo}/issues/(\\d+)/labels(?:/([^/]+))?$`).exec(pathname);
  if (pathname === `${repo}/labels` && method === 'POST') return createLabel(stub, body, res);
  if (!issue) return send(res, 404, { message: 'Not Found', documentation_url: DOCS });
  const n = Number(issue[1]);
  const current = stub.issueLabels.get(n);
  if (current === undefined) return send(res, 404, { message: 'Not Found', documentation_url: DOCS });
  const listing = () => current.map((name) => stub.repoLabels.get(name));
  if (issue[2] !== undefined) {
    if (method !== 'DELETE') return send(res, 404, { message: 'Not Found' });
    const name = decodeURIComponent(issue[2]);
    const at = current.indexOf(name);
    if (at === -1) return send(res, 404, { message: 'Label does not exist', documentation_url: DOCS });
    current.splice(at, 1);
    return send(res, 200, listing());
  }
  if (method === 'GET') return send(res, 200, listing());
  if (method !== 'POST') return send(res, 404, { message: 'Not Found' });
  const names = (body as { labels?: unknown } | undefined)?.labels;
  if (!Array.isArray(names) || names.some((x) => typeof x !== 'string')) return send(res, 422, { message: 'Invalid request.' });
  const unknown = names.filter((x: string) => !stub.repoLabels.has(x));
  if (unknown.length > 0) return send(res, 422, { message: 'Validation Failed', errors: [{ resource: 'Label', code: 'invalid', field: 'name', value: unknown[0] }] });
  if (names.length === 0) current.splice(0); // documented: an empty array removes all labels
  for (const x of names as string[]) if (!current.includes(x)) current.push(x);
  return send(res, 200, listing());
}

function createLabel(stub: GitHubStub, body: unknown, res: ServerResponse): void {
  const b = (body ?? {}) as Partial<StubLabel>;
  if (typeof b.name !== 'string' || b.name === '') return send(res, 422, { message: 'Validation Failed', errors: [{ resource: 'Label', code: 'missing_field', field: 'name' }] });
  if ([...stub.repoLabels.keys()].some((k) => k.toLowerCase() === b.name!.toLowerCase())) {
    return send(res, 422, { message: 'Validation Failed', errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }] });
  }
  const label: StubLabel = { name: b.name, color: b.color ?? 'ededed', description: b.description ?? null };
  stub.repoLabels.set(b.name, label);
  send(res, 201, label);
}
