/**
 * Every problem type a generated service answers with (RFC 9457 `type`
 * `urn:mlservice:problem:<code in kebab case>`), by status. docs/errors.md lists the same codes
 * with the same text, and the OpenAPI declares each status with the Problem schema; tests keep
 * all three in step.
 */
export const PROBLEM_CATALOGUE = {
  'PROBLEM.INVALID_REQUEST': '400: the body does not match the endpoint schema, or a value does not fit the element type of the model input it feeds; `errors` names each field.',
  'PROBLEM.INVALID_JSON': '400: the body is empty or not valid JSON.',
  'PROBLEM.BAD_REQUEST': '400: another client error found before the endpoint ran (for example a malformed URL).',
  'PROBLEM.UNAUTHORIZED': '401: the prediction endpoint needs the token of `server.auth` and the request has none, or a wrong one; `WWW-Authenticate` names the scheme.',
  'PROBLEM.NOT_FOUND': '404: no route answers this method and path on this instance.',
  'PROBLEM.BODY_TOO_LARGE': '413: the body is larger than `server.bodyLimitBytes`.',
  'PROBLEM.UNSUPPORTED_MEDIA_TYPE': '415: the body is not sent as `application/json`.',
  'PROBLEM.NON_FINITE_OUTPUT': '422: the answer for this input holds NaN or Infinity (the model overflowed); JSON has no such numbers.',
  'PROBLEM.OVERLOADED': "429: the model's batching queue is full; `Retry-After` says when to retry.",
  'PROBLEM.CLIENT_GONE': '499: the client closed the connection before its rows ran (logged and counted, nobody reads it).',
  'PROBLEM.INTERNAL': '500: the service failed to answer (for example a hook threw); the error is in the log, never in the answer.',
  'PROBLEM.MODEL_ERROR':
    "500: onnxruntime failed to run the model on this request's rows (for example an id outside an embedding table); requests batched with it are answered as if it had not been there. The error is in the log.",
  'PROBLEM.NOT_READY': '503: the models are still loading.',
  'PROBLEM.SHUTTING_DOWN': '503: the instance is draining for shutdown.',
  'PROBLEM.QUEUE_BUDGET_EXCEEDED':
    "503: the request could not start within the endpoint's queue budget (`queueBudgetMs`): refused on arrival when the predicted wait already exceeds it, or when it ran out in the queue; `Retry-After` says when to retry.",
  'PROBLEM.MODEL_FAILED':
    "503: the inference thread of this request's model stopped; `/readyz` and `/livez` fail, so Kubernetes stops routing to the pod and restarts it. Its other models keep answering meanwhile.",
} as const;

export type ProblemCode = keyof typeof PROBLEM_CATALOGUE;

/** `PROBLEM.NON_FINITE_OUTPUT` -> `urn:mlservice:problem:non-finite-output`. */
export function problemType(code: ProblemCode): string {
  return `urn:mlservice:problem:${code.slice('PROBLEM.'.length).toLowerCase().replaceAll('_', '-')}`;
}
