/**
 * One POST route per endpoint: validate -> choose variant -> preprocess -> the model's batcher ->
 * postprocess -> reply, recording metrics and the variant (response header and log line).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AbRouter } from './ab-router.js';
import type { CancelSignal } from './batcher.js';
import { firstUnfitValue, unfitFieldErrors } from './dtype-range.js';
import { ClientGoneError, InvalidRequestError, NonFiniteOutputError, ProblemError, QueueBudgetError, QueueFullError, UnavailableError } from './errors.js';
import type { ServiceMetrics } from './metrics.js';
import type { ModelPool } from './model-pool.js';
import { VARIANT_HEADER } from './names.js';
import { fieldErrors, pointerToken, sendProblem } from './problem.js';
import type { EndpointDefinition, HookContext, ModelOutputRow } from './types.js';

export interface RouteContext {
  metrics: ServiceMetrics;
  pool: ModelPool;
  /** Why predictions cannot run now, or null when they can. */
  unavailable(): 'not_ready' | 'model_failed' | null;
  /** Per-request fields for the completion log line. */
  tags: WeakMap<FastifyRequest, { endpoint: string; variant: string }>;
  /** Counts a request of `endpoint` once, whoever answered it (see `requestRecorder`). */
  record(request: FastifyRequest, endpoint: string, status: number, seconds: number): void;
}

/** Route config of every prediction route: what the metrics of a request refused before the handler need. */
export interface PredictRouteConfig {
  endpoint: string;
}

/**
 * Counts each request of a prediction endpoint exactly once in `mlservice_requests_total` and the
 * duration histogram: from the handler (which also sees clients that left, 499) or, for requests
 * Fastify refused before the handler ran (413, 415, invalid JSON), from the onResponse hook.
 */
export function requestRecorder(metrics: ServiceMetrics, tags: RouteContext['tags']): RouteContext['record'] {
  const counted = new WeakSet<FastifyRequest>();
  return (request, endpoint, status, seconds) => {
    if (counted.has(request)) return;
    counted.add(request);
    const variant = tags.get(request)?.variant ?? 'none';
    metrics.requests.inc({ api_endpoint: endpoint, variant, status: String(status) });
    metrics.requestDuration.observe({ api_endpoint: endpoint, variant }, seconds);
    if (!tags.has(request)) tags.set(request, { endpoint, variant });
  };
}

function shedReason(err: unknown): string | null {
  if (err instanceof QueueFullError) return 'queue_full';
  if (err instanceof QueueBudgetError) return err.when === 'predicted' ? 'queue_budget' : 'queue_expired';
  if (err instanceof ClientGoneError) return 'client_gone';
  if (err instanceof UnavailableError) return err.code === 'PROBLEM.SHUTTING_DOWN' ? 'shutting_down' : 'not_ready';
  return null;
}

/**
 * Fires when the client closes the connection before we answered. A plain object instead of an
 * AbortController: one per request cost ~10 µs of event-target machinery under load
 * (bench/results/serve.findings.md, section 3).
 */
class ClientGone implements CancelSignal {
  aborted = false;
  private listener: (() => void) | undefined;

  addEventListener(_type: 'abort', listener: () => void): void {
    this.listener = listener;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.listener?.();
  }
}

function clientSignal(request: FastifyRequest, reply: FastifyReply): CancelSignal {
  const gone = new ClientGone();
  if (request.raw.socket?.destroyed) gone.abort();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return gone;
}

function recordScores(ctx: RouteContext, labels: { api_endpoint: string; variant: string }, rows: ModelOutputRow[], output: string | undefined): void {
  if (output === undefined) return;
  for (const r of rows) {
    // prom-client throws on NaN and Infinity; such an answer is refused below, never observed.
    const first = Number(r[output]?.[0]);
    if (Number.isFinite(first)) ctx.metrics.predictionScore.observe(labels, first);
  }
}

async function predict(e: EndpointDefinition, router: AbRouter | null, ctx: RouteContext, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  // Listen from the start: the client may leave while the preprocess hook runs.
  const signal = clientSignal(request, reply);
  const body = request.body;
  if (!e.validate(body)) throw new InvalidRequestError('the request body does not match the endpoint schema', fieldErrors(e.validate.errors ?? []));
  const unavailable = ctx.unavailable();
  if (unavailable) throw new UnavailableError(unavailable);
  const choice = router ? router.assign(body, (h) => request.headers[h] as string | undefined) : { variant: 'default', model: e.model! };
  ctx.tags.set(request, { endpoint: e.name, variant: choice.variant });
  void reply.header(VARIANT_HEADER, choice.variant);
  const entry = ctx.pool.get(choice.model);
  if (!entry) throw new Error(`endpoint "${e.name}" routes to unknown model "${choice.model}"`);
  const hookCtx: HookContext = { endpoint: e.name, variant: choice.variant, model: { name: choice.model, version: entry.identity.version } };
  const rows = await e.preprocess(body, hookCtx);
  const unfit = firstUnfitValue(rows, entry.model.inputs);
  if (unfit) throw new InvalidRequestError(`a value does not fit model input "${unfit.input}" (${unfit.type})`, unfitFieldErrors(body, unfit));
  const outputs = await entry.batcher.submit(rows, signal, e.batching.queueBudgetMs);
  recordScores(ctx, { api_endpoint: e.name, variant: choice.variant }, outputs, entry.model.outputs[0]?.name);
  const answer = await e.postprocess(outputs, body, hookCtx);
  const bad = firstNonFinite(answer);
  if (bad) {
    request.log.warn({ model: choice.model, variant: choice.variant, pointer: bad.pointer, value: String(bad.value) }, 'the model gave a non-finite value; answered 422');
    throw new NonFiniteOutputError(choice.model, bad.pointer, bad.value);
  }
  return answer;
}

/** The first NaN or ±Infinity in an answer (JSON.stringify would write `null` there), with its JSON Pointer. */
export function firstNonFinite(node: unknown, at = ''): { pointer: string; value: number } | null {
  if (typeof node === 'number') return Number.isFinite(node) ? null : { pointer: at, value: node };
  if (node === null || typeof node !== 'object') return null;
  for (const [k, v] of Object.entries(node)) {
    const bad = firstNonFinite(v, `${at}/${pointerToken(k)}`);
    if (bad) return bad;
  }
  return null;
}

export function registerPredictRoute(app: FastifyInstance, e: EndpointDefinition, ctx: RouteContext): void {
  const router = e.ab ? new AbRouter(e.ab) : null;
  const config: PredictRouteConfig = { endpoint: e.name };
  app.post(e.path, { config }, async (request, reply) => {
    const started = process.hrtime.bigint();
    let status = 200;
    try {
      const result = await predict(e, router, ctx, request, reply);
      return await reply.code(200).send(result);
    } catch (err) {
      status = err instanceof ProblemError ? err.status : 500;
      const reason = shedReason(err);
      if (reason) ctx.metrics.shed.inc({ api_endpoint: e.name, reason });
      return sendProblem(reply, request, err);
    } finally {
      ctx.record(request, e.name, status, Number(process.hrtime.bigint() - started) / 1e9);
    }
  });
}
