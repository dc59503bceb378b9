/**
 * The service's `application/json` body parser. It behaves like Fastify's own (same size limit,
 * same errors for an empty or malformed body, a leading byte order mark ignored as RFC 8259 §8.1
 * allows) except for keys that could rewrite object prototypes: Fastify refuses `__proto__` and
 * `constructor.prototype` as "invalid JSON" without saying where. Here the answer is a 400
 * `invalid-request` whose `errors` point at each such key, like every other field at fault.
 * @see https://fastify.dev/docs/latest/Guides/Prototype-Poisoning/
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-8.1
 */
import { errorCodes, type FastifyInstance } from 'fastify';
import { InvalidRequestError, type FieldError } from './errors.js';
import { pointerToken } from './problem.js';

/** Only a body containing one of these can hold a dangerous key (`\u` covers escaped key names). */
const SUSPECT = /__proto__|constructor|\\u/;
/** Enough to show the caller the pattern; the rest of a hostile body is not worth listing. */
const MAX_REPORTED = 20;

/**
 * JSON Pointers of every own `__proto__` key and of every `constructor` key holding an object with
 * `prototype`: the keys secure-json-parse (Fastify's parser) refuses. Iterative, so a body nested
 * 100,000 levels deep cannot overflow the stack.
 */
export function prototypeKeys(root: unknown, max = MAX_REPORTED): string[] {
  const found: string[] = [];
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length > 0 && found.length < max) {
    const [node, at] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const entries = Object.entries(node);
    // Reverse, so the stack visits the keys in document order.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, value] = entries[i]!;
      const here = `${at}/${pointerToken(key)}`;
      if (key === '__proto__' || (key === 'constructor' && value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype'))) found.push(here);
      else stack.push([value, here]);
    }
  }
  return found.slice(0, max).sort();
}

export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY();
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    // JSON.parse makes `__proto__` an own data property; it never changes a prototype itself.
    value = JSON.parse(body);
  } catch {
    throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  }
  if (!SUSPECT.test(body)) return value;
  const keys = prototypeKeys(value);
  if (keys.length === 0) return value;
  const errors: FieldError[] = keys.map((pointer) => ({ pointer, message: 'must not be used as a key: it could rewrite object prototypes (prototype pollution)' }));
  throw new InvalidRequestError('the body holds a key that could rewrite object prototypes', errors);
}

/** Replaces Fastify's JSON parser; the body limit stays the server's `bodyLimit`. */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, parseJsonBody(text as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
