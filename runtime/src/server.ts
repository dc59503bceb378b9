/**
 * Assembles the service: Fastify with pino logging, one route per endpoint, health, metrics,
 * metadata, the OpenAPI document and its docs page (served from local files, never the internet).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { authHook } from './auth.js';
import { UnavailableError } from './errors.js';
import { ServiceMetrics } from './metrics.js';
import { ModelLoadError } from './model-files.js';
import { ModelPool } from './model-pool.js';
import { loadOpenApi } from './openapi.js';
import { lockPath, readModelsLock } from './models-lock.js';
import { registerJsonBody } from './json-body.js';
import { requestValidators } from './request-validators.js';
import { ENV, PATHS } from './names.js';
import { recordRequest, registerPredictRoute, type PredictRouteConfig, type RouteContext } from './predict-route.js';
import { attachToResponse, clientLeft, RequestState, STATE, stateOf } from './request-state.js';
import { problemType } from './problem-codes.js';
import { sendProblem } from './problem.js';
import { OVERLOAD_REASONS, ShedLog } from './shed-log.js';
import type { ServiceDefinition, StartOptions } from './types.js';

export interface BuiltService {
  app: FastifyInstance;
  /** Loads and warms every model; /readyz turns 200 when it resolves. */
  loadModels(): Promise<void>;
  /** Readiness false at once, refuse new work, finish queued and running batches, close the server. */
  shutdown(): Promise<void>;
}

interface State {
  ready: boolean;
  shuttingDown: boolean;
  /**
   * A model's inference thread died (it cannot be restarted in-process: whatever killed it, often
   * memory, may kill the next one). The process stays up rather than exiting: /readyz fails, so
   * Kubernetes stops routing to the pod, and /livez fails, so the kubelet restarts the container
   * through its usual path (preStop, SIGTERM, drain), which counts the restart and backs off a
   * crash loop. Meanwhile requests already routed here are still answered: that model's with 503
   * `model-failed` (retry elsewhere), the other models' as usual. Exiting at once would refuse them.
   */
  broken: boolean;
}

function maxBatchSize(def: ServiceDefinition): number {
  return Math.max(1, ...def.endpoints.map((e) => (e.batching.enabled ? e.batching.maxBatchSize : 1)));
}

function metadata(def: ServiceDefinition, pool: ModelPool, env: NodeJS.ProcessEnv): Record<string, unknown> {
  return {
    service: { ...def.service, revision: env[ENV.revision] || 'unknown' },
    models: def.models.map((m) => {
      const entry = pool.get(m.name);
      const id = entry?.identity;
      const placed = entry && { inferenceThread: entry.model.runsOn.thread, fullBatchMs: entry.model.runsOn.fullBatchMs ?? null, inferenceNice: entry.model.runsOn.nice ?? null };
      return { name: m.name, source: m.source, version: id?.version ?? 'unknown', runId: id?.runId ?? null, sha256: id?.sha256 ?? null, ...placed };
    }),
  };
}

async function registerDocs(app: FastifyInstance, def: ServiceDefinition, document: Record<string, unknown>): Promise<void> {
  app.get(PATHS.openapi, async () => document);
  await app.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
  // The page title names the service; every asset is served from the plugin's local files.
  await app.register(fastifySwaggerUi, { routePrefix: PATHS.docs, theme: { title: `${def.service.name} API` }, uiConfig: { validatorUrl: null } });
}

function registerHealth(app: FastifyInstance, state: State, metrics: ServiceMetrics): void {
  app.get(PATHS.live, async (request, reply) => (state.broken ? sendProblem(reply, request, new UnavailableError('model_failed')) : { status: 'ok' }));
  app.get(PATHS.ready, async (request, reply) => {
    if (state.ready && !state.shuttingDown && !state.broken) return { status: 'ready' };
    return sendProblem(reply, request, new UnavailableError(state.shuttingDown ? 'shutting_down' : state.broken ? 'model_failed' : 'not_ready'));
  });
  app.get(PATHS.metrics, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}

/** How long the listener stays open after SIGTERM: a tenth of the grace period, at most 1 s. */
export function lingerMs(shutdownGraceMs: number): number {
  return Math.min(1000, Math.floor(shutdownGraceMs / 10));
}

const PROBE_PATHS = new Set<string>([PATHS.live, PATHS.ready, PATHS.metrics]);

/**
 * The per-request hooks, written as callbacks (an async hook costs a promise per request):
 * - onRequest: the request's state (request-state.ts), the request id header, `Connection: close`
 *   while draining, and one 'close' listener (a shared function, no closure per request) that
 *   counts the request out for shutdown and tells the batcher when a client left early;
 * - onResponse: counts prediction requests refused before their handler ran, and writes one log
 *   line per request, built only when its level is on (overload refusals at debug, summarised at
 *   warn by `ShedLog`).
 * Returns a promise for "no request in flight", for shutdown.
 */
function registerHooks(app: FastifyInstance, state: State): { idle(): Promise<void> } {
  let active = 0;
  const waiters: Array<() => void> = [];
  const shedLog = new ShedLog(app.log);
  app.addHook('onClose', (_app, done) => {
    shedLog.flush();
    done();
  });
  function closed(this: ServerResponse): void {
    clientLeft(this);
    if (--active === 0) waiters.splice(0).forEach((w) => w());
  }
  app.decorateRequest(STATE, null);
  app.addHook('onRequest', (request, reply, done) => {
    active++;
    const rs = new RequestState();
    (request as unknown as Record<string, RequestState>)[STATE] = rs;
    attachToResponse(reply.raw, rs);
    reply.raw.on('close', closed);
    void reply.header('x-request-id', request.id);
    if (state.shuttingDown) void reply.header('connection', 'close');
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const rs = stateOf(request);
    if (!rs.counted) {
      const series = (request.routeOptions.config as Partial<PredictRouteConfig> | undefined)?.series;
      if (series) recordRequest(rs, series, reply.statusCode, reply.elapsedTime / 1000);
    }
    // Successes log at debug: at thousands of requests per second an info line each costs a write(2)
    // per request (bench/results/serve.findings.md, section 3). Client errors stay visible at info.
    // Probes and scrapes are routine whatever they answer (a 503 /readyz while warming up is expected).
    const code = reply.statusCode;
    let level: 'debug' | 'info' | 'warn' = code < 400 ? 'debug' : code >= 500 ? 'warn' : 'info';
    if (rs.shed !== null && OVERLOAD_REASONS.has(rs.shed)) {
      shedLog.note(rs.series?.endpoint ?? '', rs.shed);
      level = 'debug';
    }
    if (level !== 'debug' && PROBE_PATHS.has(request.routeOptions.url ?? '')) level = 'debug';
    // pino's level check (Fastify's logger type does not declare it).
    if ((request.log as unknown as { isLevelEnabled(l: string): boolean }).isLevelEnabled(level)) {
      const tag = rs.series ? { endpoint: rs.series.endpoint, variant: rs.variant } : {};
      request.log[level]({ method: request.method, url: request.url, statusCode: code, ms: Math.round(reply.elapsedTime), ...tag }, 'request completed');
    }
    done();
  });
  return { idle: () => (active === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))) };
}

/** Problem+json for every error and 404. */
function registerErrorAnswers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => sendProblem(reply, request, err));
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send({
        type: problemType('PROBLEM.NOT_FOUND'),
        title: 'Not Found',
        status: 404,
        detail: `no route ${request.method} ${request.url}`,
        instance: request.url,
      }),
  );
}

/** The Fastify app, not listening yet; models load when `loadModels()` is called. */
export async function buildService(def: ServiceDefinition, opts: StartOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<BuiltService> {
  const app = Fastify({
    logger: { level: env[ENV.logLevel] || 'info' },
    bodyLimit: def.server.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Requests reaching a closing server get our own 503 problem+json with Retry-After, not Fastify's.
    return503OnClosing: false,
    // One log line per request, written in onResponse with the endpoint and variant.
    logController: new LogController({ disableRequestLogging: true }),
  });
  // Only JSON bodies: Fastify's default text/plain parser would hand a JSON body sent as text to
  // the validator as a string ("must be object"); without it such a request is a 415.
  app.removeContentTypeParser('text/plain');
  registerJsonBody(app);
  const state: State = { ready: false, shuttingDown: false, broken: false };
  const metrics = new ServiceMetrics(maxBatchSize(def));
  metrics.buildInfo.set({ version: def.service.version, revision: env[ENV.revision] || 'unknown' }, 1);
  const pool = new ModelPool(def, metrics, {
    log: app.log,
    onBroken: (model, err) => {
      state.broken = true;
      app.log.fatal({ model, err }, 'a model can no longer run; its requests get 503, /livez and /readyz now fail so the pod is restarted');
    },
  });
  // The document served at /openapi.json is also where the request validators come from.
  const document = await loadOpenApi(def.openapi);
  let authenticate: ReturnType<typeof authHook> | undefined;
  let validators: ReturnType<typeof requestValidators>;
  try {
    authenticate = def.server.auth ? authHook(def.server.auth, def.service.name, env) : undefined;
    validators = requestValidators(document, def.endpoints);
  } catch (err) {
    // Before listening: the code and fix in one log line (no stack), then the caller exits.
    if (err instanceof ModelLoadError) app.log.fatal({ code: err.code }, err.message);
    throw err;
  }
  const active = registerHooks(app, state);
  registerErrorAnswers(app);
  registerHealth(app, state, metrics);
  app.get(PATHS.metadata, async () => metadata(def, pool, env));
  await registerDocs(app, def, document);
  const ctx: RouteContext = {
    metrics,
    pool,
    // A model whose thread died is refused per request (ModelPool.hasFailed): the others still answer.
    unavailable: () => (state.ready ? null : 'not_ready'),
    draining: () => state.shuttingDown,
    authenticate,
  };
  for (const e of def.endpoints) registerPredictRoute(app, e, validators.get(e.name)!, ctx);
  const modelsDir = opts.modelsDir ?? (env[ENV.modelsDir] || './models');
  return {
    app,
    async loadModels() {
      await pool.load(modelsDir, await readModelsLock(lockPath(env)));
      state.ready = true;
      const models = [...pool.entries.values()].map((e) => ({ name: e.model.name, ...e.model.runsOn }));
      app.log.info({ models }, 'models loaded and warmed; ready');
    },
    async shutdown() {
      // kubernetes#20473: fail readiness, keep serving, drain, exit. For a short while the listener
      // stays open (endpoints take a moment to drop the pod, and connections just accepted must get
      // to send their request); every answer now closes its socket. Then close() stops the listener,
      // every request already received is answered, and the batchers drain.
      state.shuttingDown = true;
      if (app.server.listening) await new Promise((r) => setTimeout(r, lingerMs(def.server.shutdownGraceMs)));
      const closing = app.close();
      await active.idle();
      await closing;
      await pool.drain();
    },
  };
}
