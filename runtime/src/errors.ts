/**
 * Errors the runtime turns into RFC 9457 problem details. Each carries its HTTP status, a stable
 * problem type and, for overload, the seconds a client should wait before retrying.
 * @see https://www.rfc-editor.org/rfc/rfc9457.html
 */
import type { ProblemCode } from './problem-codes.js';

export interface FieldError {
  /** JSON Pointer (RFC 6901) to the failing field of the request body. */
  pointer: string;
  message: string;
}

/**
 * An answer the service chose to give (4xx, 503), not a fault: no stack trace is captured. Under
 * overload a refusal is the common answer, and V8's stack capture was 6% of the service's CPU at
 * twice its sustainable rate (bench/results/overload.md). Faults stay plain Errors with stacks.
 */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    /** Catalogued in problem-codes.ts; the answer's `type` is derived from it. */
    readonly code: ProblemCode,
    readonly title: string,
    detail: string,
    readonly extra: { retryAfterSeconds?: number; errors?: FieldError[] /** `WWW-Authenticate` of a 401. */; challenge?: string } = {},
  ) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(detail);
    Error.stackTraceLimit = limit;
    this.name = 'ProblemError';
  }
}

/** The model's queue holds maxQueueRows rows already: shed at the door (429). */
export class QueueFullError extends ProblemError {
  constructor(model: string, retryAfterSeconds: number) {
    super(429, 'PROBLEM.OVERLOADED', 'Too Many Requests', `model "${model}" has a full queue; retry after ${retryAfterSeconds}s`, {
      retryAfterSeconds,
    });
  }
}

/**
 * The request could not start within its queue budget (503 with Retry-After): refused on arrival
 * when the predicted wait already exceeds the budget, or when the budget ran out in the queue.
 */
export class QueueBudgetError extends ProblemError {
  constructor(
    model: string,
    readonly when: 'predicted' | 'expired',
    waitMs: number,
    budgetMs: number,
    retryAfterSeconds: number,
  ) {
    const wait = Math.round(waitMs);
    const detail =
      when === 'predicted'
        ? `model "${model}" would start this request in about ${wait} ms, over its queue budget of ${budgetMs} ms; retry after ${retryAfterSeconds}s`
        : `the request waited ${wait} ms in model "${model}"'s queue, over its queue budget of ${budgetMs} ms; retry after ${retryAfterSeconds}s`;
    super(503, 'PROBLEM.QUEUE_BUDGET_EXCEEDED', 'Service Unavailable', detail, { retryAfterSeconds });
  }
}

/** The service is draining for shutdown, has not finished warming up, or a model can no longer run (503). */
export class UnavailableError extends ProblemError {
  constructor(reason: 'shutting_down' | 'not_ready' | 'model_failed', retryAfterSeconds = 1) {
    const codes = { shutting_down: 'PROBLEM.SHUTTING_DOWN', not_ready: 'PROBLEM.NOT_READY', model_failed: 'PROBLEM.MODEL_FAILED' } as const;
    const details = { shutting_down: 'the service is shutting down', not_ready: 'the models are still loading', model_failed: "a model's inference thread stopped; this instance waits for a restart" };
    super(503, codes[reason], 'Service Unavailable', details[reason], { retryAfterSeconds });
  }
}

/**
 * A prediction request without the token of `server.auth`, or with a wrong one (401). `challenge`
 * is the `WWW-Authenticate` value every 401 must carry (RFC 9110 section 15.5.2). The detail never
 * repeats what the caller sent.
 */
export class UnauthorizedError extends ProblemError {
  constructor(detail: string, challenge: string) {
    super(401, 'PROBLEM.UNAUTHORIZED', 'Unauthorized', detail, { challenge });
  }
}

/** The client closed the connection before its rows ran; nobody reads the answer. */
export class ClientGoneError extends ProblemError {
  constructor() {
    super(499, 'PROBLEM.CLIENT_GONE', 'Client Closed Request', 'the client went away before the request ran');
  }
}

/**
 * onnxruntime failed to run the model on this request's rows (e.g. an id outside an embedding
 * table: Gather's "indices element out of data bounds"). A 500: the request passed the endpoint's
 * schema, so the service promised to answer it. Retrying the same rows elsewhere fails the same
 * way, unlike a 503. The model's message stays in the log: it names graph nodes and shapes.
 */
export class ModelRunError extends ProblemError {
  constructor(model: string) {
    super(500, 'PROBLEM.MODEL_ERROR', 'Internal Server Error', `model "${model}" could not run this request's rows; the error is in the service log`);
  }
}

/**
 * Field errors listed in one answer at most. A validator that reports every error would otherwise
 * answer a 64 KiB array of wrong-typed items with a megabyte of errors (found by
 * test/reliability/request-fuzz.test.ts); the first ones show the caller what is wrong.
 */
export const MAX_FIELD_ERRORS = 100;

/**
 * A request the service cannot accept as sent (400), naming the fields. `found` is how many field
 * errors there were when `errors` holds only the first of them (see `fieldErrors`).
 */
export class InvalidRequestError extends ProblemError {
  constructor(detail: string, errors: FieldError[], found = errors.length) {
    const listed = found > MAX_FIELD_ERRORS ? `${detail} (the first ${MAX_FIELD_ERRORS} of ${found} field errors are listed)` : detail;
    super(400, 'PROBLEM.INVALID_REQUEST', 'Bad Request', listed, { errors: errors.length > MAX_FIELD_ERRORS ? errors.slice(0, MAX_FIELD_ERRORS) : errors });
  }
}

/**
 * The answer would hold NaN or Infinity, which JSON cannot carry (JSON.stringify writes `null`
 * where the schema promised a number). The input fitted the model's types, so it is this input
 * that drives the model out of range: 422, not a 5xx that pages people and fails a canary.
 */
export class NonFiniteOutputError extends ProblemError {
  constructor(model: string, pointer: string, value: number) {
    super(422, 'PROBLEM.NON_FINITE_OUTPUT', 'Unprocessable Content', `model "${model}" gave ${value} at ${pointer === '' ? 'the top of the answer' : pointer} for this input; JSON has no such number`);
  }
}
