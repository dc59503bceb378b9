/**
 * What the runtime knows about one request while it runs, kept on the request object itself (one
 * small allocation, set in the onRequest hook) instead of WeakMaps and per-request closures: the
 * endpoint and variant for the completion log line and metrics, whether the request was counted,
 * and the signal the batcher watches to drop a request whose client went away.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { CancelSignal } from './batcher.js';
import type { EndpointSeries } from './metrics.js';

/**
 * Fires when the client closes the connection before we answered. A plain object, not an
 * AbortController: one per request cost ~10 µs of event-target machinery under load
 * (bench/results/serve.findings.md, section 3).
 */
export class ClientGone implements CancelSignal {
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

export class RequestState {
  /** Set by a prediction route: its endpoint's series, and the variant once chosen. */
  series: EndpointSeries | null = null;
  variant = 'none';
  /** Counted in mlservice_requests_total already (by the route, or by onResponse). */
  counted = false;
  /** Why the request was refused or dropped (mlservice_shed_requests_total's reason), if it was. */
  shed: string | null = null;
  readonly gone = new ClientGone();
}

/** The key Fastify decorates requests with; `stateOf` reads it. */
export const STATE = 'mlservice';

export function stateOf(request: FastifyRequest): RequestState {
  return (request as unknown as Record<typeof STATE, RequestState>)[STATE];
}

/** Where `onResponseClosed` finds a request's state from its raw response. */
const RESPONSE_STATE = Symbol('mlservice.requestState');

export function attachToResponse(res: ServerResponse, state: RequestState): void {
  (res as unknown as Record<symbol, RequestState>)[RESPONSE_STATE] = state;
}

/** A closed response that did not finish writing: the client left, so its queued rows are dropped. */
export function clientLeft(res: ServerResponse): void {
  if (!res.writableFinished) (res as unknown as Record<symbol, RequestState | undefined>)[RESPONSE_STATE]?.gone.abort();
}
