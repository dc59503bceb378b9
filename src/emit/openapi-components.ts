/**
 * The parts of the OpenAPI document that do not depend on the endpoints. What is the same for
 * every service lives in @mlservice/runtime's own `openapi.yaml`, not here: the RFC 9457 Problem
 * schema and the error answers the runtime gives on every route are referred to by `$ref` (tools
 * that read the file, Redocly, Spectral, openapi-typescript, resolve them from `node_modules` as
 * any relative file reference), and the operational routes (/livez, /readyz, /metrics, /metadata)
 * are added by the runtime when it serves the document (runtime/src/openapi.ts). The review diff
 * of `openapi.yaml` thus shows only what mlservice.yaml decides, and a runtime fix to the rest
 * needs no regeneration.
 *
 * @see https://spec.openapis.org/oas/v3.1.0.html#reference-object
 * @see https://spec.openapis.org/oas/v3.1.0.html#components-object
 * @see https://www.rfc-editor.org/rfc/rfc9457.html
 */
import { OPENAPI_OPERATIONS_REF } from '@mlservice/runtime/names';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

export const TAG_INFERENCE = 'inference';

/** Operation ids of the runtime's operational routes (runtime/openapi.yaml); endpoint operation ids must avoid them. */
export const OPERATIONAL_OPERATION_IDS = ['getLiveness', 'getReadiness', 'getMetrics', 'getMetadata'] as const;

type ComponentKind = 'schemas' | 'responses' | 'headers' | 'requestBodies';

export function ref(kind: ComponentKind, name: string): { $ref: string } {
  return { $ref: `#/components/${kind}/${name}` };
}

/** A component of the runtime's document, by reference. */
export function runtimeRef(kind: ComponentKind, name: string): { $ref: string } {
  return { $ref: `${OPENAPI_OPERATIONS_REF}#/components/${kind}/${name}` };
}

/**
 * `security: []` at the root: no requirement for the whole API (the prediction operations state
 * `server.auth`'s scheme when it is on). The runtime's probes and scrapes state it on each of their
 * operations, so they stay open whatever `server.auth` says. Redocly's `security-defined` rule
 * wants it stated.
 * @see https://spec.openapis.org/oas/v3.1.0.html#security-requirement-object
 * @see https://redocly.com/docs/cli/rules/oas/security-defined
 */
export const NO_SECURITY: readonly [] = [];

/** The one error answer whose text the config decides: the body limit. */
export function payloadTooLarge(bodyLimitBytes: number): Record<string, unknown> {
  return {
    description: `The request body is larger than ${bodyLimitBytes} bytes.`,
    content: { [PROBLEM_MEDIA_TYPE]: { schema: runtimeRef('schemas', 'Problem') } },
  };
}

/** Statuses every operation can answer, whatever its route does. */
export const COMMON_ERRORS = { '404': runtimeRef('responses', 'NotFound'), '500': runtimeRef('responses', 'InternalError') } as const;

/** Responses in status order, as readers scan them. */
export function sortStatuses(responses: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}
