/** Starts a service: listen first (liveness passes), then load and warm models (readiness follows). */
import type { FastifyInstance } from 'fastify';
import { ModelLoadError } from './model-loader.js';
import { ENV } from './names.js';
import { buildService } from './server.js';
import { installSignalHandlers } from './shutdown.js';
import type { ServiceDefinition, StartOptions } from './types.js';

/**
 * Pending connections the kernel holds before accept (Linux caps it at net.core.somaxconn, 4096 on
 * current kernels). Node's default, 511, is below what a load balancer's burst of new connections
 * after a rollout or a 1,024-connection client opens at once; the rest wait for SYN retries (1 s, 3 s).
 */
const LISTEN_BACKLOG = 4096;

export interface RunningService {
  app: FastifyInstance;
  url: string;
  /** Resolves when every model is loaded and warmed. If one fails to load it rejects, or, with signal handling on, the process exits 1. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export async function startService(def: ServiceDefinition, opts: StartOptions = {}): Promise<RunningService> {
  const handleSignals = opts.handleSignals ?? true;
  // A configuration the service cannot start with (e.g. no auth token) is logged by buildService;
  // a process of its own exits 1 without a stack trace.
  const built = await buildService(def, opts).catch((err: unknown) => {
    if (handleSignals && err instanceof ModelLoadError) process.exit(1);
    throw err;
  });
  const port = opts.port ?? (process.env[ENV.port] ? Number(process.env[ENV.port]) : def.server.port);
  const url = await built.app.listen({ port, host: opts.host ?? '0.0.0.0', backlog: LISTEN_BACKLOG });
  const uninstall = handleSignals ? installSignalHandlers({ shutdown: built.shutdown, log: built.app.log }, def.server.shutdownGraceMs) : () => {};
  const loaded = built.loadModels();
  // A service that cannot load its models must not linger unready: log the code and fix (no stack)
  // and, when it owns the process, exit 1. `ready` then never settles, so callers see no rejection.
  const ready = loaded.catch((err: Error) => {
    const code = err instanceof ModelLoadError ? err.code : 'MODEL.LOAD_FAILED';
    built.app.log.fatal({ code }, err.message);
    if (!handleSignals) throw err;
    void built.shutdown().finally(() => process.exit(1));
    return new Promise<void>(() => {});
  });
  return {
    app: built.app,
    url,
    ready,
    async close() {
      uninstall();
      await built.shutdown();
    },
  };
}
