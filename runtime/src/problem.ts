/**
 * RFC 9457 problem details for every error answer: known errors keep their status and fields,
 * Fastify's own client errors (413 body too large, 415, malformed JSON) keep their status and
 * message, and anything else becomes a 500 without internals (the stack goes to the log only).
 * @see https://www.rfc-editor.org/rfc/rfc9457.html#name-members-of-a-problem-details-
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_FIELD_ERRORS, ProblemError, type FieldError } from './errors.js';
import { problemType, type ProblemCode } from './problem-codes.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: FieldError[];
}

const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PROBLEM.BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'PROBLEM.UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'PROBLEM.INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'PROBLEM.INVALID_JSON',
};

export function toProblem(err: unknown, instance: string): Problem & { retryAfterSeconds?: number } {
  if (err instanceof ProblemError) {
    const p: Problem & { retryAfterSeconds?: number } = { type: problemType(err.code), title: err.title, status: err.status, detail: err.message, instance };
    if (err.extra.errors) p.errors = err.extra.errors;
    if (err.extra.retryAfterSeconds !== undefined) p.retryAfterSeconds = err.extra.retryAfterSeconds;
    return p;
  }
  const fe = err as Partial<FastifyError>;
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = (fe.code ? FASTIFY_CODES[fe.code] : undefined) ?? 'PROBLEM.BAD_REQUEST';
    // SyntaxError text from JSON.parse is about the body the client sent, so it is safe to echo.
    return { type: problemType(code), title: STATUS_CODES[fe.statusCode] ?? 'Client Error', status: fe.statusCode, detail: fe.message ?? '', instance };
  }
  return { type: problemType('PROBLEM.INTERNAL'), title: 'Internal Server Error', status: 500, detail: 'the service failed to answer this request; the error is in its log', instance };
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: unknown): FastifyReply {
  const { retryAfterSeconds, ...problem } = toProblem(err, request.url);
  if (problem.status >= 500 && !(err instanceof ProblemError)) request.log.error({ err }, 'request failed');
  if (retryAfterSeconds !== undefined) void reply.header('retry-after', String(retryAfterSeconds));
  if (err instanceof ProblemError && err.extra.challenge !== undefined) void reply.header('www-authenticate', err.extra.challenge);
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

/** JSON Pointer token escaping. @see https://www.rfc-editor.org/rfc/rfc6901#section-3 */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Ajv errors -> field errors with JSON Pointers, the first MAX_FIELD_ERRORS only (an object with
 * 80,000 unknown keys gives as many Ajv errors; mapping them all cost ~90 ms of event loop, found by
 * test/reliability/request-fuzz.test.ts). Errors about a property that is missing or not allowed
 * point at that property, not at its parent object.
 */
export function fieldErrors(errors: ReadonlyArray<{ instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }>): FieldError[] {
  const out: FieldError[] = [];
  for (let i = 0; i < errors.length && i < MAX_FIELD_ERRORS; i++) {
    const e = errors[i]!;
    const p = e.params;
    const named = [p.missingProperty, p.additionalProperty, p.unevaluatedProperty].find((v) => typeof v === 'string') as string | undefined;
    const pointer = named === undefined ? e.instancePath : `${e.instancePath}/${pointerToken(named)}`;
    out.push({ pointer, message: e.message ?? e.keyword });
  }
  return out;
}
