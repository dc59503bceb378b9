/**
 * The HTTP client used to talk to an MLflow tracking server and to download model files: bounded
 * retries with exponential backoff for network errors, timeouts, 429 and 5xx; every other answer is
 * mapped to a `ModelsError` with a stable code. Auth headers are attached here and never printed.
 *
 * @see https://mlflow.org/docs/latest/rest-api.html (error bodies: `{"error_code", "message"}`)
 */
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { MODELS_CODES, ModelsError, excerpt } from './errors.js';

export interface HttpClient {
  fetch: typeof fetch;
  /** Headers sent with every request (Authorization for the tracking server; none for plain URLs). */
  headers: Record<string, string>;
  /** Extra attempts after the first for retryable failures. */
  retries: number;
  /** First backoff delay; doubles per attempt. */
  baseDelayMs: number;
  /** JSON requests: whole exchange; downloads: longest pause between two chunks. */
  timeoutMs: number;
}

/** What a request is for, used in messages ("get model version ranker/12") and fixes. */
export interface RequestContext {
  what: string;
  /** Fix shown when the server says 404. */
  notFoundFix: string;
  /** Fix shown when the server says 401/403. */
  authFix: string;
}

/** A failure worth another attempt; `final` is what the user sees if attempts run out. */
class Retryable extends Error {
  constructor(
    readonly final: ModelsError,
    readonly delayMs?: number,
  ) {
    super(final.message);
  }
}

const MAX_RETRY_AFTER_MS = 30_000;

async function withRetries<T>(http: HttpClient, attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof Retryable)) throw e;
      if (i >= http.retries) throw e.final;
      await sleep(e.delayMs ?? http.baseDelayMs * 2 ** i);
    }
  }
}

/** The origin and path of a URL without credentials or query, for messages. */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** OpenSSL / Node codes of an untrusted or broken TLS handshake: retrying cannot help. */
const TLS_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/;

function networkError(e: unknown, url: URL, ctx: RequestContext): Error {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
  const reason = timedOut ? 'timed out' : (err.cause?.code ?? err.cause?.message ?? err.message ?? String(e));
  const message = `${ctx.what}: request to ${displayUrl(url)} failed: ${reason}`;
  if (!timedOut && TLS_ERROR.test(reason)) {
    return new ModelsError(
      MODELS_CODES.HTTP,
      message,
      'the server certificate is not trusted here: export NODE_EXTRA_CA_CERTS=<CA bundle (PEM)>; mlgen does not read MLFLOW_TRACKING_SERVER_CERT_PATH or MLFLOW_TRACKING_INSECURE_TLS',
    );
  }
  return new Retryable(new ModelsError(MODELS_CODES.HTTP, message, 'check that the server is reachable from this machine (proxy, VPN, firewall) and retry'));
}

function retryAfterMs(res: Response): number | undefined {
  const header = res.headers.get('retry-after');
  const seconds = header === null ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : undefined;
}

/** Turns a non-2xx answer into the error the user sees (retryable for 429 and 5xx). */
async function statusError(res: Response, url: URL, ctx: RequestContext): Promise<Error> {
  const text = await res.text().catch(() => '');
  let detail = excerpt(text);
  let serverCode: string | undefined;
  try {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    if (body && typeof body === 'object' && (body.error_code !== undefined || body.message !== undefined)) {
      serverCode = body.error_code === undefined ? undefined : String(body.error_code);
      detail = excerpt(`${serverCode ?? ''}: ${String(body.message ?? '')}`);
    }
  } catch {
    // Not JSON (a proxy's HTML page): keep the trimmed text.
  }
  const said = `${ctx.what}: ${displayUrl(url)} answered ${res.status}${detail ? ` (${detail})` : ''}`;
  if (res.status === 401 || res.status === 403) return new ModelsError(MODELS_CODES.AUTH, said, ctx.authFix);
  if (res.status === 404) {
    const notFound = new ModelsError(MODELS_CODES.NOT_FOUND, said, ctx.notFoundFix);
    notFound.serverCode = serverCode;
    return notFound;
  }
  const final = new ModelsError(MODELS_CODES.HTTP, said, 'retry later; if it persists, ask the server owner (status and message above)');
  if (res.status === 429 || res.status >= 500) return new Retryable(final, retryAfterMs(res));
  return final;
}

async function send(http: HttpClient, url: URL, ctx: RequestContext, signal: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await http.fetch(url, { headers: { ...http.headers }, signal, redirect: 'follow' });
  } catch (e) {
    throw networkError(e, url, ctx);
  }
  if (!res.ok) throw await statusError(res, url, ctx);
  return res;
}

/** GET a JSON object, with retries. */
export async function getJson(http: HttpClient, url: URL, ctx: RequestContext): Promise<Record<string, unknown>> {
  return withRetries(http, async () => {
    const res = await send(http, url, ctx, AbortSignal.timeout(http.timeoutMs));
    let body: unknown;
    try {
      body = await res.json();
    } catch (e) {
      if ((e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError') throw networkError(e, url, ctx);
      throw new ModelsError(
        MODELS_CODES.BAD_RESPONSE,
        `${ctx.what}: ${displayUrl(url)} did not answer JSON`,
        'check that MLFLOW_TRACKING_URI points at the MLflow server itself (not its UI behind a login page)',
      );
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ModelsError(MODELS_CODES.BAD_RESPONSE, `${ctx.what}: ${displayUrl(url)} answered JSON that is not an object`, 'check that MLFLOW_TRACKING_URI points at an MLflow server');
    }
    return body as Record<string, unknown>;
  });
}

export interface DownloadOptions {
  /** Size announced by the listing, if any; a different byte count is retried, then refused. */
  expectedSize?: number;
  onBytes?: (bytes: number) => void;
}

/** Streams a URL into `dest` (created or truncated), with retries. Returns the byte count. */
export async function downloadFile(http: HttpClient, url: URL, dest: string, ctx: RequestContext, opts: DownloadOptions = {}): Promise<number> {
  return withRetries(http, async () => {
    const idle = new AbortController();
    let timer = setTimeout(() => idle.abort(), http.timeoutMs);
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), http.timeoutMs);
    };
    const file = await open(dest, 'w');
    try {
      const res = await send(http, url, ctx, idle.signal);
      let bytes = 0;
      try {
        for await (const chunk of res.body ?? []) {
          rearm();
          await file.write(chunk as Uint8Array);
          bytes += (chunk as Uint8Array).byteLength;
          opts.onBytes?.(bytes);
        }
      } catch (e) {
        throw networkError(e, url, ctx);
      }
      checkSize(res, bytes, url, ctx, opts.expectedSize);
      return bytes;
    } finally {
      clearTimeout(timer);
      await file.close();
    }
  });
}

function checkSize(res: Response, bytes: number, url: URL, ctx: RequestContext, expected?: number): void {
  // fetch decodes gzip/br bodies, so Content-Length only counts when the body was sent as is.
  const encoding = res.headers.get('content-encoding');
  const header = encoding && encoding !== 'identity' ? null : res.headers.get('content-length');
  const announced = header === null ? expected : Number(header);
  for (const want of [announced, expected]) {
    if (want !== undefined && Number.isFinite(want) && want !== bytes) {
      throw new Retryable(
        new ModelsError(
          MODELS_CODES.INCOMPLETE,
          `${ctx.what}: ${displayUrl(url)} sent ${bytes} bytes, expected ${want}`,
          'retry; if it persists the file on the server is being rewritten or a proxy truncates it',
        ),
      );
    }
  }
}
