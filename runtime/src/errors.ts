/**
 * Errors the runtime turns into RFC 9457 problem details. Each carries its HTTP status, a stable
 * problem type and, for overload, the seconds a client should wait before retrying.
 * @see https://www.rfc-editor.org/rfc/rfc9457.html
 */

export interface FieldError {
  /** JSON Pointer (RFC 6901) to the failing field of the request body. */
  pointer: string;
  message: string;
}

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    /** Short stable code, used as `urn:mlservice:problem:<code>`. */
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly extra: { retryAfterSeconds?: number; errors?: FieldError[] } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

/** The model's queue holds maxQueueRows rows already: shed at the door (429). */
export class QueueFullError extends ProblemError {
  constructor(model: string, retryAfterSeconds: number) {
    super(429, 'overloaded', 'Too Many Requests', `model "${model}" has a full queue; retry after ${retryAfterSeconds}s`, {
      retryAfterSeconds,
    });
  }
}

/** The service is draining for shutdown, or has not finished warming up (503). */
export class UnavailableError extends ProblemError {
  constructor(reason: 'shutting_down' | 'not_ready' | 'model_failed', retryAfterSeconds = 1) {
    const details = { shutting_down: 'the service is shutting down', not_ready: 'the models are still loading', model_failed: "a model's inference thread stopped; this instance waits for a restart" };
    super(503, reason.replaceAll('_', '-'), 'Service Unavailable', details[reason], { retryAfterSeconds });
  }
}

/** The client closed the connection before its rows ran; nobody reads the answer. */
export class ClientGoneError extends ProblemError {
  constructor() {
    super(499, 'client-gone', 'Client Closed Request', 'the client went away before the request ran');
  }
}

/** A request the service cannot accept as sent (400), naming the fields. */
export class InvalidRequestError extends ProblemError {
  constructor(detail: string, errors: FieldError[]) {
    super(400, 'invalid-request', 'Bad Request', detail, { errors });
  }
}
