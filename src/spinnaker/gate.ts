/**
 * The Spinnaker HTTP APIs `mlgen spinnaker install` uses, as their sources define them:
 * - gate `GET /applications/{application}/pipelineConfigs/{pipelineName}` (ApplicationController):
 *   the stored pipeline, or 404 (older gates answer 200 with an empty body; `spin` treats both as
 *   "not there", and so does this client);
 * - gate `POST /pipelines` (PipelineController.savePipeline): runs orca's `savePipeline` task and
 *   answers 200 when it succeeded, 400 with the task's error otherwise (front50
 *   PipelineController.save refuses a name already used in the application under another id);
 * - Kayenta `GET|POST /canaryConfig`, `PUT /canaryConfig/{id}` (CanaryConfigController), or the same
 *   through gate under `/v2/canaryConfig` (V2CanaryConfigController): POST refuses an id that
 *   exists, PUT one that does not; both refuse a name another config uses for the same application.
 * Requests carry `Authorization: Bearer <token>` when a token is given; it is never printed.
 */
import { excerpt } from '../models/errors.js';
import { EXIT } from '../exit-codes.js';
import { SpinnakerError } from './codes.js';

export interface GateOptions {
  gate: string;
  /** Kayenta's own base URL; unset = Kayenta through gate (`/v2/canaryConfig`). */
  kayenta?: string;
  token?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type Json = Record<string, unknown>;

const GET_RETRIES = 2;

export class SpinnakerApi {
  private readonly timeoutMs: number;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: GateOptions) {
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.doFetch = opts.fetch ?? fetch;
  }

  /** The stored pipeline named `name` in `application`, or undefined. */
  async pipeline(application: string, name: string): Promise<Json | undefined> {
    const url = this.url(this.opts.gate, `applications/${encodeURIComponent(application)}/pipelineConfigs/${encodeURIComponent(name)}`);
    return this.getOptional(url);
  }

  async savePipeline(pipeline: Json): Promise<void> {
    await this.send('POST', this.url(this.opts.gate, 'pipelines'), pipeline);
  }

  async canaryConfig(id: string): Promise<Json | undefined> {
    return this.getOptional(this.canaryUrl(encodeURIComponent(id)));
  }

  async createCanaryConfig(config: Json): Promise<void> {
    await this.send('POST', this.canaryUrl(''), config);
  }

  async updateCanaryConfig(id: string, config: Json): Promise<void> {
    await this.send('PUT', this.canaryUrl(encodeURIComponent(id)), config);
  }

  private canaryUrl(rest: string): URL {
    return this.opts.kayenta ? this.url(this.opts.kayenta, `canaryConfig/${rest}`) : this.url(this.opts.gate, `v2/canaryConfig/${rest}`);
  }

  /** `path` under `base`, keeping any path prefix `base` has (gate behind `/api/v1`, say). */
  private url(base: string, path: string): URL {
    const u = new URL(base.endsWith('/') ? base : `${base}/`);
    return new URL(path.replace(/\/$/, ''), u);
  }

  private async getOptional(url: URL): Promise<Json | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.request('GET', url);
        if (res.status === 404) return undefined;
        const text = await this.expectOk(res, url);
        if (text.trim() === '' || text.trim() === 'null') return undefined;
        const body = parseJson(text, url);
        return Object.keys(body).length === 0 ? undefined : body;
      } catch (e) {
        // Reads are safe to repeat: a network failure or a 5xx gets two more tries.
        const retryable = e instanceof SpinnakerError && (e.code === 'SPINNAKER.UNREACHABLE' || e.code === 'SPINNAKER.HTTP');
        if (!retryable || attempt >= GET_RETRIES) throw e;
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
  }

  private async send(method: 'POST' | 'PUT', url: URL, body: Json): Promise<void> {
    const res = await this.request(method, url, body);
    await this.expectOk(res, url);
  }

  private async request(method: string, url: URL, body?: Json): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body) headers['content-type'] = 'application/json';
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    try {
      return await this.doFetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      const why = (e as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : excerpt(String((e as { cause?: unknown }).cause ?? e));
      throw new SpinnakerError('SPINNAKER.UNREACHABLE', `${method} ${display(url)} failed: ${why}`, 'check the gate URL (SPINNAKER_GATE_URL) and that this machine can reach it', display(url));
    }
  }

  /** The body text of a 2xx answer; a typed error for anything else. */
  private async expectOk(res: Response, url: URL): Promise<string> {
    const text = await res.text();
    if (res.ok) return text;
    const where = display(url);
    if (res.status === 401 || res.status === 403) {
      throw new SpinnakerError('SPINNAKER.AUTH', `${where} answered ${res.status}`, 'set SPINNAKER_GATE_TOKEN to a token gate accepts, with WRITE permission on the application', where);
    }
    if (res.status >= 400 && res.status < 500) {
      throw new SpinnakerError(
        'SPINNAKER.REJECTED',
        `${where} answered ${res.status}: ${serverMessage(text)}`,
        'fix what the server names; a name clash means another pipeline or canary config already uses this name',
        where,
        EXIT.unavailable,
      );
    }
    throw new SpinnakerError('SPINNAKER.HTTP', `${where} answered ${res.status}: ${serverMessage(text)}`, 'check the health of gate, orca, front50 and Kayenta, then retry', where);
  }
}

function parseJson(text: string, url: URL): Json {
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Json;
  } catch {
    // fall through to the error below
  }
  throw new SpinnakerError(
    'SPINNAKER.HTTP',
    `${display(url)} answered something that is not a JSON object: ${excerpt(text, 120)}`,
    'check that the URL points at Spinnaker gate, not a proxy or login page',
    display(url),
  );
}

/** Spring's error body carries `message` (gate, front50, Kayenta); otherwise a trimmed excerpt. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (typeof body.message === 'string' && body.message) return excerpt(body.message);
    if (typeof body.error === 'string') return excerpt(body.error);
  } catch {
    // not JSON
  }
  return excerpt(text) || '(empty body)';
}

const display = (url: URL): string => `${url.origin}${url.pathname}`;
