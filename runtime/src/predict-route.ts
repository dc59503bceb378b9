/**
 * One POST route per endpoint: validate -> choose variant -> preprocess -> the model's batcher ->
 * postprocess -> reply, recording metrics and the variant (response header and log line).
 */
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteShorthandOptions } from 'fastify';
import { AbRouter } from './ab-router.js';
import { firstUnfitValue, unfitFieldErrors } from './dtype-range.js';
import { ClientGoneError, InvalidRequestError, NonFiniteOutputError, ProblemError, QueueBudgetError, QueueFullError, UnavailableError } from './errors.js';
import { EndpointSeries, type ServiceMetrics } from './metrics.js';
import type { ModelPool } from './model-pool.js';
import { VARIANT_HEADER } from './names.js';
import { fieldErrors, pointerToken, sendProblem } from './problem.js';
import { stateOf, type RequestState } from './request-state.js';
import type { EndpointDefinition, HookContext, ModelOutputRow, ValidateFn } from './types.js';

export interface RouteContext {
  metrics: ServiceMetrics;
  pool: ModelPool;
  /** Why predictions cannot run now (the models are loading), or null when they can. */
  unavailable(): 'not_ready' | null;
  /** The instance is draining: answers close their keep-alive socket. */
  draining(): boolean;
  /** onRequest hook of every prediction route when `server.auth` is on (auth.ts). */
  authenticate?: onRequestHookHandler;
}

/**
 * Route config of every prediction route: what the metrics of a request refused before the
 * handler ran (413, 415, invalid JSON) need, read by the onResponse hook.
 */
export interface PredictRouteConfig {
  series: EndpointSeries;
}

/**
 * Counts a prediction request once in `mlservice_requests_total` and the duration histogram: from
 * the handler (which also sees clients that left, 499) or, for requests Fastify refused before the
 * handler ran, from the onResponse hook.
 */
export function recordRequest(state: RequestState, series: EndpointSeries, status: number, seconds: number): void {
  if (state.counted) return;
  state.counted = true;
  state.series = series;
  series.request(state.variant, status, seconds);
}

function shedReason(err: unknown): string | null {
  if (err instanceof QueueFullError) return 'queue_full';
  if (err instanceof QueueBudgetError) return err.when === 'predicted' ? 'queue_budget' : 'queue_expired';
  if (err instanceof ClientGoneError) return 'client_gone';
  if (err instanceof UnavailableError) return err.code === 'PROBLEM.SHUTTING_DOWN' ? 'shutting_down' : err.code === 'PROBLEM.MODEL_FAILED' ? 'model_failed' : 'not_ready';
  return null;
}

function recordScores(series: EndpointSeries, variant: string, rows: ModelOutputRow[], output: string | undefined): void {
  if (output === undefined) return;
  const histogram = series.score(variant);
  for (const r of rows) {
    // prom-client throws on NaN and Infinity; such an answer is refused below, never observed.
    const first = Number(r[output]?.[0]);
    if (Number.isFinite(first)) histogram.observe(first);
  }
}

interface Route {
  e: EndpointDefinition;
  validate: ValidateFn;
  router: AbRouter | null;
  ctx: RouteContext;
  series: EndpointSeries;
}

async function predict(route: Route, state: RequestState, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { e, router, ctx, validate } = route;
  const body = request.body;
  if (!validate(body)) {
    const errors = validate.errors ?? [];
    throw new InvalidRequestError('the request body does not match the endpoint schema', fieldErrors(errors), errors.length);
  }
  const unavailable = ctx.unavailable();
  if (unavailable) throw new UnavailableError(unavailable);
  const choice = router ? router.assign(body, (h) => request.headers[h] as string | undefined) : { variant: 'default', model: e.model! };
  state.variant = choice.variant;
  void reply.header(VARIANT_HEADER, choice.variant);
  const entry = ctx.pool.get(choice.model);
  if (!entry) throw new Error(`endpoint "${e.name}" routes to unknown model "${choice.model}"`);
  // Only this model's requests: the service's other models keep answering until the pod restarts.
  if (ctx.pool.hasFailed(choice.model)) throw new UnavailableError('model_failed');
  const hookCtx: HookContext = { endpoint: e.name, variant: choice.variant, model: { name: choice.model, version: entry.identity.version } };
  const pre = e.preprocess(body, hookCtx);
  // Hooks are usually synchronous: awaiting a plain value would still cost a microtask turn.
  const rows = isThenable(pre) ? await pre : pre;
  const unfit = firstUnfitValue(rows, entry.model.inputs);
  if (unfit) throw new InvalidRequestError(`a value does not fit model input "${unfit.input}" (${unfit.type})`, unfitFieldErrors(body, unfit));
  // The client may have left while the preprocess hook ran: the batcher then refuses at once.
  // Time spent reading and checking the body counts against the budget when a queue is ahead.
  const outputs = await entry.batcher.submit(rows, state.gone, e.batching.queueBudgetMs, reply.elapsedTime);
  recordScores(route.series, choice.variant, outputs, entry.model.outputs[0]?.name);
  const post = e.postprocess(outputs, body, hookCtx);
  const answer = isThenable(post) ? await post : post;
  const bad = firstNonFinite(answer);
  if (bad) {
    request.log.warn({ model: choice.model, variant: choice.variant, pointer: bad.pointer, value: String(bad.value) }, 'the model gave a non-finite value; answered 422');
    throw new NonFiniteOutputError(choice.model, bad.pointer, bad.value);
  }
  return answer;
}

/** What `await` would wait for: any object with a `then` method, not only native promises. */
function isThenable<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

/**
 * The first NaN or ±Infinity in an answer (JSON.stringify would write `null` there), with its JSON
 * Pointer. Walks without allocating: the pointer is built only for the value found.
 */
export function firstNonFinite(node: unknown): { pointer: string; value: number } | null {
  if (typeof node === 'number') return Number.isFinite(node) ? null : { pointer: '', value: node };
  if (node === null || typeof node !== 'object') return null;
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const v: unknown = node[i];
      if (typeof v === 'number' ? !Number.isFinite(v) : v !== null && typeof v === 'object') {
        const bad = firstNonFinite(v);
        if (bad) return { pointer: `/${i}${bad.pointer}`, value: bad.value };
      }
    }
    return null;
  }
  for (const k in node) {
    if (!Object.hasOwn(node, k)) continue;
    const v: unknown = (node as Record<string, unknown>)[k];
    if (typeof v === 'number' ? !Number.isFinite(v) : v !== null && typeof v === 'object') {
      const bad = firstNonFinite(v);
      if (bad) return { pointer: `/${pointerToken(k)}${bad.pointer}`, value: bad.value };
    }
  }
  return null;
}

/**
 * The queue-budget check before the body is read: when every model the endpoint can route to
 * predicts a wait over the budget, the request is refused from its headers alone (503 +
 * Retry-After), without parsing, validating or preprocessing a body whose answer would be the same
 * refusal. Under overload most requests end here, so a refusal costs a small part of an answer
 * (bench/results/overload.md). With an A/B split the variant is not known before the body is read,
 * so the check refuses only when no variant's model could start in time; the batcher checks the
 * chosen model again on submit.
 */
function admission(route: Route): onRequestHookHandler {
  const { e, ctx } = route;
  const models = e.model !== undefined ? [e.model] : [...new Set(e.ab!.variants.map((v) => v.model))];
  const budgetMs = e.batching.queueBudgetMs;
  return (request, reply, done) => {
    if (budgetMs === undefined) return done();
    let least: { model: string; waitMs: number; retryAfterSeconds: number } | null = null;
    for (const model of models) {
      const batcher = ctx.pool.get(model)?.batcher;
      if (!batcher) return done(); // not loaded yet: the handler answers not_ready
      const waitMs = batcher.predictedWaitMs();
      if (waitMs <= budgetMs) return done();
      if (least === null || waitMs < least.waitMs) least = { model, waitMs, retryAfterSeconds: batcher.retryAfterSeconds() };
    }
    if (least === null) return done();
    const state = stateOf(request);
    state.series = route.series;
    state.shed = 'queue_budget';
    ctx.metrics.shed.inc({ api_endpoint: e.name, reason: 'queue_budget' });
    recordRequest(state, route.series, 503, reply.elapsedTime / 1000);
    // A reply sent from onRequest ends the request; Node discards the unread body and keeps the socket.
    sendProblem(reply, request, new QueueBudgetError(least.model, 'predicted', least.waitMs, budgetMs, least.retryAfterSeconds));
  };
}

export function registerPredictRoute(app: FastifyInstance, e: EndpointDefinition, validate: ValidateFn, ctx: RouteContext): void {
  const route: Route = { e, validate, router: e.ab ? new AbRouter(e.ab) : null, ctx, series: new EndpointSeries(ctx.metrics, e.name) };
  const config: PredictRouteConfig = { series: route.series };
  // A refused token is answered by the error handler and counted by the onResponse hook (status 401);
  // authentication runs first, so an unauthenticated caller learns nothing about the load.
  const options: RouteShorthandOptions = { config: config as FastifyContextConfig };
  options.onRequest = ctx.authenticate ? [ctx.authenticate, admission(route)] : admission(route);
  app.post(e.path, options, async (request, reply) => {
    const state = stateOf(request);
    state.series = route.series;
    try {
      const result = await predict(route, state, request, reply);
      // While draining, each answer closes its keep-alive socket, so the server can finish closing.
      if (ctx.draining()) void reply.header('connection', 'close');
      recordRequest(state, route.series, 200, reply.elapsedTime / 1000);
      return result;
    } catch (err) {
      const status = err instanceof ProblemError ? err.status : 500;
      const reason = shedReason(err);
      if (reason) {
        state.shed = reason;
        ctx.metrics.shed.inc({ api_endpoint: e.name, reason });
      }
      recordRequest(state, route.series, status, reply.elapsedTime / 1000);
      return sendProblem(reply, request, err);
    }
  });
}
