/**
 * `server.auth` in the OpenAPI document: one security scheme, required by every prediction
 * operation, and the 401 answer with its challenge. Nothing of it when auth is off; the
 * operational routes keep `security: []` either way (probes and scrapes carry no token).
 * @see https://spec.openapis.org/oas/v3.1.0.html#security-scheme-object
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
import type { AuthSpec } from '../config/model.js';
import { PROBLEM_MEDIA_TYPE, runtimeRef } from './openapi-components.js';

/** The scheme's name under `components.securitySchemes`. */
export function securitySchemeName(auth: AuthSpec): string {
  return auth.type === 'bearer' ? 'bearerAuth' : 'apiKeyAuth';
}

function securityScheme(auth: AuthSpec): Record<string, unknown> {
  const where = 'The token is issued by the service owners; probes, `/metrics`, `/metadata` and the docs need none.';
  if (auth.type === 'bearer') return { type: 'http', scheme: 'bearer', description: `\`Authorization: Bearer <token>\` (RFC 6750). ${where}` };
  return { type: 'apiKey', in: 'header', name: auth.header, description: `The API key, as is, in header \`${auth.header}\`. ${where}` };
}

/** The `security` of a prediction operation: the scheme when auth is on, none otherwise. */
export function predictionSecurity(auth: AuthSpec | undefined): Array<Record<string, string[]>> | undefined {
  return auth ? [{ [securitySchemeName(auth)]: [] }] : undefined;
}

function unauthorizedResponse(auth: AuthSpec, realm: string): Record<string, unknown> {
  const challenge = auth.type === 'bearer' ? `\`Bearer realm="${realm}"\`, with \`error="invalid_token"\` when a token was sent but is wrong` : `\`ApiKey realm="${realm}", header="${auth.header}"\``;
  return {
    description: 'The request has no token, or a wrong one (problem `unauthorized`).',
    headers: { 'WWW-Authenticate': { description: `The challenge: ${challenge}.`, required: true, schema: { type: 'string' } } },
    content: { [PROBLEM_MEDIA_TYPE]: { schema: runtimeRef('schemas', 'Problem') } },
  };
}

/** What `server.auth` adds to `components`; empty when it is off. The realm is the service name, as the runtime says it. */
export function authComponents(auth: AuthSpec | undefined, realm: string): { securitySchemes?: Record<string, unknown>; responses: Record<string, unknown> } {
  if (!auth) return { responses: {} };
  return { securitySchemes: { [securitySchemeName(auth)]: securityScheme(auth) }, responses: { Unauthorized: unauthorizedResponse(auth, realm) } };
}
