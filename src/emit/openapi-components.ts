/**
 * The parts of the OpenAPI document that do not depend on the endpoints: the RFC 9457 problem
 * schema and the shared error responses, and the service's own operational routes.
 *
 * @see https://spec.openapis.org/oas/v3.1.0.html#components-object
 * @see https://www.rfc-editor.org/rfc/rfc9457.html
 */
import { PATHS } from '../../runtime/src/names.js';
import { MAX_FIELD_ERRORS } from '../../runtime/src/errors.js';
import { PROBLEM_CATALOGUE, problemType, type ProblemCode } from '../../runtime/src/problem-codes.js';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';
/** Prometheus text exposition format. @see https://prometheus.io/docs/instrumenting/exposition_formats/ */
export const METRICS_MEDIA_TYPE = 'text/plain; version=0.0.4';

export const TAG_INFERENCE = 'inference';
export const TAG_OPERATIONS = 'operations';

/** Operation ids of the operational routes; endpoint operation ids must avoid them. */
export const OPERATIONAL_OPERATION_IDS = ['getLiveness', 'getReadiness', 'getMetrics', 'getMetadata'] as const;

export function ref(kind: 'schemas' | 'responses' | 'headers' | 'requestBodies', name: string): { $ref: string } {
  return { $ref: `#/components/${kind}/${name}` };
}

/**
 * `security: []` at the root and on every operational route: probes and scrapes stay open whatever
 * `server.auth` says (the prediction operations then state its scheme). Redocly's
 * `security-defined` rule wants it stated.
 * @see https://spec.openapis.org/oas/v3.1.0.html#security-requirement-object
 * @see https://redocly.com/docs/cli/rules/oas/security-defined
 */
export const NO_SECURITY: readonly [] = [];

/** Mirrors `Problem` in runtime/src/problem.ts (type is `urn:mlservice:problem:<code>`, catalogued in runtime/src/problem-codes.ts). */
function problemSchema(): Record<string, unknown> {
  return {
    type: 'object',
    description: 'An RFC 9457 problem detail. Never contains a stack trace.',
    required: ['type', 'title', 'status', 'detail', 'instance'],
    properties: {
      type: {
        type: 'string',
        format: 'uri-reference',
        description: 'Identifies the problem type, `urn:mlservice:problem:<code>` (docs/errors.md of mlgen lists each code).',
        // Clients branch on these; the list may grow, so it is not an enum.
        examples: (Object.keys(PROBLEM_CATALOGUE) as ProblemCode[]).map(problemType),
      },
      title: { type: 'string', description: 'Short summary of the problem type.' },
      status: { type: 'integer', minimum: 400, maximum: 599, description: 'The HTTP status code.' },
      detail: { type: 'string', description: 'What went wrong with this request.' },
      instance: { type: 'string', format: 'uri-reference', description: 'The request path.' },
      errors: {
        type: 'array',
        description: `Validation failures, one per failing field (400 only), at most ${MAX_FIELD_ERRORS}; \`detail\` says when more were found.`,
        maxItems: MAX_FIELD_ERRORS,
        items: {
          type: 'object',
          required: ['pointer', 'message'],
          properties: {
            pointer: { type: 'string', description: 'JSON Pointer (RFC 6901) to the failing field of the request body.' },
            message: { type: 'string', description: 'Why the field was rejected.' },
          },
        },
      },
    },
  };
}

/** Mirrors `metadata()` in runtime/src/server.ts. */
function serviceMetadataSchema(): Record<string, unknown> {
  const nullableString = { type: ['string', 'null'] };
  return {
    type: 'object',
    description: 'What this process serves: its code revision and every model version.',
    required: ['service', 'models'],
    properties: {
      service: {
        type: 'object',
        required: ['name', 'version', 'revision'],
        properties: {
          name: { type: 'string' },
          version: { type: 'string' },
          description: { type: 'string' },
          revision: { type: 'string', description: 'Git revision of the service code, from the image build; `unknown` outside an image.' },
        },
      },
      models: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'source', 'version', 'runId', 'sha256'],
          properties: {
            name: { type: 'string' },
            source: { type: 'string', description: 'The source URI from mlservice.yaml.' },
            version: { type: 'string', description: 'Registry version, or `unknown` for local files and URLs.' },
            runId: { ...nullableString, description: 'MLflow run id; null for local files and URLs.' },
            sha256: { ...nullableString, description: 'Digest of the model files (models.lock.json); null when not locked.' },
          },
        },
      },
    },
  };
}

function healthSchema(): Record<string, unknown> {
  return {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['ok', 'ready'], description: '`ok` from the liveness probe, `ready` from the readiness probe.' } },
  };
}

function problemResponse(description: string, retryAfter: boolean): Record<string, unknown> {
  const response: Record<string, unknown> = { description };
  if (retryAfter) response.headers = { 'Retry-After': ref('headers', 'RetryAfter') };
  response.content = { [PROBLEM_MEDIA_TYPE]: { schema: ref('schemas', 'Problem') } };
  return response;
}

/** `components` minus the endpoint schemas, which the caller adds first. */
export function sharedComponents(bodyLimitBytes: number): {
  schemas: Record<string, unknown>;
  responses: Record<string, unknown>;
  headers: Record<string, unknown>;
} {
  return {
    schemas: { Problem: problemSchema(), ServiceMetadata: serviceMetadataSchema(), HealthStatus: healthSchema() },
    responses: {
      BadRequest: problemResponse('The body is not JSON, does not match the request schema, or holds a number the model input cannot (e.g. 1e39 for float32); `errors` names each failing field.', false),
      // Every operation can meet an instance without it: a canary adds an endpoint while the
      // stable pods behind the same Service still run the version before.
      NotFound: problemResponse('No route answers this method and path on the instance that took the request (for example one still running an older version of the service during a rollout).', false),
      PayloadTooLarge: problemResponse(`The request body is larger than ${bodyLimitBytes} bytes.`, false),
      UnsupportedMediaType: problemResponse('The body is not sent as `application/json`.', false),
      NonFiniteOutput: problemResponse('The model gave NaN or Infinity for this input (it is outside the range the model computes in), which JSON cannot carry.', false),
      TooManyRequests: problemResponse('The batching queue is full; retry after the given delay.', true),
      InternalError: problemResponse('The service failed to answer this request (`internal`), or the model could not run its rows (`model-error`; retrying the same input fails the same way); details are in its log, never in the answer.', false),
      ServiceUnavailable: problemResponse('The models are still loading, the instance is shutting down, or a model can no longer run (`model-failed`).', true),
      PredictionUnavailable: problemResponse(
        "The request could not start within the endpoint's queue budget (`queue-budget-exceeded`: refused at once rather than answered late), the models are still loading, the instance is shutting down, or the model of this request can no longer run on this instance (`model-failed`). Retry after the given delay; another replica may answer at once.",
        true,
      ),
    },
    headers: {
      RetryAfter: {
        description: 'Seconds to wait before retrying.',
        schema: { type: 'integer', minimum: 0 },
      },
    },
  };
}

/** Statuses every operation can answer, whatever its route does. */
export const COMMON_ERRORS = { '404': ref('responses', 'NotFound'), '500': ref('responses', 'InternalError') } as const;

function getOperation(operationId: string, summary: string, description: string, responses: Record<string, unknown>): object {
  return { get: { operationId, summary, description, tags: [TAG_OPERATIONS], security: NO_SECURITY, responses: sortStatuses({ ...responses, ...COMMON_ERRORS }) } };
}

/** Responses in status order, as readers scan them. */
export function sortStatuses(responses: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

function jsonContent(schemaName: string): object {
  return { 'application/json': { schema: ref('schemas', schemaName) } };
}

/** GET routes every generated service answers (paths pinned in runtime/src/names.ts). */
export function operationalPaths(): Record<string, unknown> {
  const [live, ready, metrics, metadata] = OPERATIONAL_OPERATION_IDS;
  return {
    [PATHS.live]: getOperation(live, 'Liveness probe', 'Answers 200 while the process can serve, 503 `model-failed` once a model can no longer run (so Kubernetes restarts the pod).', {
      '200': { description: 'The process is alive.', content: jsonContent('HealthStatus') },
      '503': ref('responses', 'ServiceUnavailable'),
    }),
    [PATHS.ready]: getOperation(ready, 'Readiness probe', 'Answers 200 once every model is loaded, 503 while starting, draining or after a model failed.', {
      '200': { description: 'Ready to serve.', content: jsonContent('HealthStatus') },
      '503': ref('responses', 'ServiceUnavailable'),
    }),
    [PATHS.metrics]: getOperation(metrics, 'Prometheus metrics', 'Request, batching and model metrics in the Prometheus text format.', {
      '200': { description: 'Current metrics.', content: { [METRICS_MEDIA_TYPE]: { schema: { type: 'string' } } } },
    }),
    [PATHS.metadata]: getOperation(metadata, 'Served versions', 'The service version, code revision and every model version this process serves.', {
      '200': { description: 'Service and model identity.', content: jsonContent('ServiceMetadata') },
    }),
  };
}
