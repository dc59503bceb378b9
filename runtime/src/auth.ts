/**
 * Optional authentication of the prediction routes (`server.auth` of mlservice.yaml): an API key in
 * a header of its own, or an RFC 6750 bearer token. The token comes from the environment
 * (`MLSERVICE_AUTH_TOKEN`, which the chart fills from a Kubernetes Secret), never from the
 * definition. Only the POST routes get the hook: probes, the Prometheus scrape, /metadata and the
 * docs stay open.
 *
 * The hook runs at onRequest, before the body is read: a caller without the token costs no parse
 * and no validation. Both sides are hashed (SHA-256) before `timingSafeEqual`, so it always compares
 * 32 bytes and neither its time nor a length mismatch says anything about the token.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1 (Authorization: Bearer b64token)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3 (WWW-Authenticate, error="invalid_token")
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2 (every 401 carries a challenge)
 */
import { hash, timingSafeEqual } from 'node:crypto';
import type { onRequestHookHandler } from 'fastify';
import { UnauthorizedError } from './errors.js';
import { ModelLoadError } from './model-files.js';
import { ENV } from './names.js';
import type { AuthDefinition } from './types.js';

/** Shorter tokens are refused at start-up: they can be guessed by trying. */
export const MIN_TOKEN_LENGTH = 16;
/** RFC 6750 b64token: what a bearer token may consist of. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Visible ASCII: what a header can carry unchanged (RFC 9110 field-vchar without obs-text). */
const VISIBLE = /^[\x21-\x7e]+$/;
/** `Bearer <token>`: the scheme is case-insensitive (RFC 9110 section 11.1), then one or more spaces. */
const BEARER = /^bearer +([^ ]+) *$/i;

const digest = (value: string): Buffer => hash('sha256', value, 'buffer');

/**
 * The token from the environment. Surrounding whitespace is dropped: HTTP strips it from every
 * field value, so a token kept with the newline `echo` puts into a Secret file could never match.
 */
export function authToken(auth: AuthDefinition, env: NodeJS.ProcessEnv): string {
  const token = (env[ENV.authToken] ?? '').trim();
  const fix = `create the Secret the chart names in auth.secretName with a random token (e.g. \`openssl rand -hex 32\`) under auth.secretKey; outside Kubernetes export ${ENV.authToken}`;
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new ModelLoadError('MODEL.AUTH_TOKEN', `server.auth is on but ${ENV.authToken} ${token === '' ? 'is not set' : `has ${token.length} characters, fewer than ${MIN_TOKEN_LENGTH}`}`, fix);
  }
  if (!(auth.type === 'bearer' ? B64TOKEN : VISIBLE).test(token)) {
    const allowed = auth.type === 'bearer' ? 'letters, digits and -._~+/ (then = padding), as RFC 6750 allows' : 'visible ASCII characters';
    throw new ModelLoadError('MODEL.AUTH_TOKEN', `${ENV.authToken} holds characters a ${auth.type === 'bearer' ? 'bearer token' : 'header'} cannot carry (only ${allowed})`, fix);
  }
  return token;
}

/** The onRequest hook of every prediction route; throws `MODEL.AUTH_TOKEN` when the token is unusable. */
export function authHook(auth: AuthDefinition, realm: string, env: NodeJS.ProcessEnv): onRequestHookHandler {
  const expected = digest(authToken(auth, env));
  const matches = (presented: string) => timingSafeEqual(digest(presented), expected);
  if (auth.type === 'bearer') {
    const challenge = `Bearer realm="${realm}"`;
    // Without credentials (or with another scheme) the challenge has no error code: RFC 6750 section 3.1.
    const missing = new UnauthorizedError('the request has no bearer token ("Authorization: Bearer <token>")', challenge);
    const wrong = new UnauthorizedError('the bearer token is not valid', `${challenge}, error="invalid_token"`);
    return (request, _reply, done) => {
      const header = request.headers.authorization;
      const token = header === undefined ? null : BEARER.exec(header)?.[1];
      if (!token) done(missing);
      else done(matches(token) ? undefined : wrong);
    };
  }
  const { header } = auth;
  // No registered scheme exists for API keys; this challenge names the header to use.
  const challenge = `ApiKey realm="${realm}", header="${header}"`;
  const missing = new UnauthorizedError(`the request has no API key in header "${header}"`, challenge);
  const wrong = new UnauthorizedError(`the API key in header "${header}" is not valid`, challenge);
  return (request, _reply, done) => {
    const key = request.headers[header];
    if (typeof key !== 'string' || key === '') done(missing);
    else done(matches(key) ? undefined : wrong);
  };
}
