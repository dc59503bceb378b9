/**
 * One POST route per endpoint: validate -> choose variant -> preprocess -> the model's batcher ->
 * postprocess -> reply, recording metrics and the variant (response header and log line).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AbRouter } from './ab-router.js';
import type { CancelSignal } from './batcher.js';
import { ClientGoneError, InvalidRequestError, ProblemError, QueueFullError, UnavailableError } from './errors.js';
import type { ServiceMetrics } from './metrics.js';
import type { ModelPool } from './model-pool.js';
import { VARIANT_HEADER } from './names.js';
import { fieldErrors, sendProblem } from './problem.js';
import type { EndpointDefinition, HookContext, ModelOutputRow } from './types.js';

export interface RouteContext {
  metrics: ServiceMetrics;
  pool: ModelPool;
  /** Why predictions cannot run now, or null when they can. */
  unavailable(): 'not_ready' | 'model_failed' | null;
  /** Per-request fields for the completion log line. */
  tags: WeakMap<FastifyRequest, { endpoint: string; variant: string }>;
}

function shedReason(err: unknown): string | null {
  if (err instanceof QueueFullError) return 'queue_full';
  if (err instanceof ClientGoneError) return 'client_gone';
  if (err instanceof UnavailableError) return err.code === 'shutting-down' ? 'shutting_down' : 'not_ready';
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
    const first = r[output]?.[0];
    if (first !== undefined) ctx.metrics.predictionScore.observe(labels, Number(first));
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
  const outputs = await entry.batcher.submit(rows, signal);
  recordScores(ctx, { api_endpoint: e.name, variant: choice.variant }, outputs, entry.model.outputs[0]?.name);
  return e.postprocess(outputs, body, hookCtx);
}

export function registerPredictRoute(app: FastifyInstance, e: EndpointDefinition, ctx: RouteContext): void {
  const router = e.ab ? new AbRouter(e.ab) : null;
  app.post(e.path, async (request, reply) => {
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
      const variant = ctx.tags.get(request)?.variant ?? 'none';
      ctx.metrics.requests.inc({ api_endpoint: e.name, variant, status: String(status) });
      ctx.metrics.requestDuration.observe({ api_endpoint: e.name, variant }, Number(process.hrtime.bigint() - started) / 1e9);
      if (!ctx.tags.has(request)) ctx.tags.set(request, { endpoint: e.name, variant });
    }
  });
}
