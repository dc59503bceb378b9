/**
 * What a fuzzed request must be answered with, decided apart from the service: the body's size
 * against `bodyLimitBytes`, its media type, whether it parses as JSON, prototype-pollution keys,
 * and validity against the endpoint's OpenAPI request schema by an Ajv compiled here (the service
 * compiles its own from the same document at start-up, in @mlservice/runtime; the two must agree). The rules:
 * - never a 5xx; every 4xx is problem+json with the RFC 9457 members and no stack trace;
 * - too large: 413 (or the connection closed before the answer was read); not JSON media: 415; not JSON text: 400 `invalid-json`;
 * - a schema-invalid body: 400 `invalid-request` whose `errors` name exactly the failing fields,
 *   all inside the one field the case changed;
 * - a valid body: 200 matching the response schema; for numeric cases also 422 (the model gave
 *   NaN/Infinity) or a 400 naming the numbers the model input's element type cannot hold.
 * @see https://www.rfc-editor.org/rfc/rfc9457.html
 * @see https://www.rfc-editor.org/rfc/rfc8259#section-8.1 (a parser MAY ignore a byte order mark)
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import type { FuzzCase } from './cases.js';
import { pointerToken, type Schema } from './schema-values.js';

const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  headers: Headers;
}

export interface Validators {
  request: ValidateFunction;
  response: ValidateFunction;
  /** Field errors a 400 lists at most: `maxItems` of the document's Problem `errors`, as a client reads it. */
  maxFieldErrors: number;
}

/** Ajv for the OpenAPI document's request and response schemas of one operation. */
export function compileValidators(root: Schema, requestSchema: Schema, responseSchema: Schema): Validators {
  // strictNumbers: a JSON number too large for a double parses to Infinity, which no schema's
  // `type: number` means; allErrors to compare with the service's full list.
  const ajv = new Ajv2020({ allErrors: true, strict: false, strictNumbers: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(root, 'openapi');
  const maxFieldErrors = root.components?.schemas?.Problem?.properties?.errors?.maxItems;
  if (typeof maxFieldErrors !== 'number') throw new Error('fuzz: the OpenAPI Problem schema states no maxItems for errors');
  return { request: ajv.compile(rebase(requestSchema)), response: ajv.compile(rebase(responseSchema)), maxFieldErrors };
}

/** Rewrites local `$ref`s (`#/...`) to point into the registered OpenAPI document. */
function rebase(s: Schema): Schema {
  return JSON.parse(JSON.stringify(s, (k, v) => (k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `openapi${v}` : v))) as Schema;
}

/** Ajv errors as the service's pointers: a missing or unknown property names that property. */
export function expectedPointers(errors: ErrorObject[]): string[] {
  return errors.map((e) => {
    const p = e.params as Record<string, unknown>;
    const named = [p.missingProperty, p.additionalProperty].find((v) => typeof v === 'string') as string | undefined;
    return named === undefined ? e.instancePath : `${e.instancePath}/${pointerToken(named)}`;
  });
}

/**
 * Pointers of own `__proto__` keys and of `constructor` objects holding `prototype` (what
 * secure-json-parse refuses). Iterative: bodies nest 100,000 levels deep.
 */
export function pollutionPointers(root: unknown): string[] {
  const out: string[] = [];
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length > 0) {
    const [node, at] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    for (const [k, v] of Object.entries(node)) {
      const here = `${at}/${pointerToken(k)}`;
      if (k === '__proto__' || (k === 'constructor' && v !== null && typeof v === 'object' && Object.hasOwn(v, 'prototype'))) out.push(here);
      stack.push([v, here]);
    }
  }
  return out.sort();
}

const under = (pointer: string, at: string) => at === '' || pointer === at || pointer.startsWith(`${at}/`);
const bytes = (body: string | Uint8Array) => (typeof body === 'string' ? Buffer.byteLength(body) : body.length);
const isJsonMedia = (contentType: string) => contentType.split(';')[0]!.trim().toLowerCase() === 'application/json';

function parse(body: string | Uint8Array): { ok: true; value: unknown; bom: boolean } | { ok: false } {
  let text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  const bom = text.charCodeAt(0) === 0xfeff;
  if (bom) text = text.slice(1);
  try {
    return { ok: true, value: JSON.parse(text), bom };
  } catch {
    return { ok: false };
  }
}

interface Problem {
  type: string;
  status: number;
  errors?: Array<{ pointer: string }>;
}

/** A problem+json answer's own faults: media type, members, status, no stack trace. */
function problemFaults(a: Answer): { problem?: Problem; fault?: string } {
  if (!a.contentType.startsWith('application/problem+json')) return { fault: `a ${a.status} as ${a.contentType}` };
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(a.text) as Record<string, unknown>;
  } catch {
    return { fault: `a ${a.status} whose body is not JSON` };
  }
  const missing = ['type', 'title', 'status', 'detail', 'instance'].filter((k) => !(k in p));
  if (missing.length) return { fault: `problem without ${missing.join(', ')}` };
  if (p.status !== a.status) return { fault: `problem status ${String(p.status)} on a ${a.status}` };
  if (/\n\s+at /.test(a.text) || 'stack' in p) return { fault: 'a stack trace in the answer' };
  return { problem: p as unknown as Problem };
}

function expectType(p: Problem, type: string): string | null {
  return p.type === `urn:mlservice:problem:${type}` ? null : `type ${p.type}, want ${type}`;
}

/** Why `answer` is wrong for `c` (null when it is right). */
export function judge(c: FuzzCase, answer: Answer, v: Validators, bodyLimitBytes: number): string | null {
  const { status } = answer;
  const oversized = bytes(c.body) > bodyLimitBytes;
  // The connection was closed before the answer could be read (test/reliability/request-fuzz.test.ts `send`).
  if (status === 0) return oversized ? null : `no answer: ${answer.text}`;
  if (status >= 500) return `${status} ${answer.text.slice(0, 200)}`;
  let problem: Problem | undefined;
  if (status >= 400) {
    const checked = problemFaults(answer);
    if (checked.fault) return checked.fault;
    problem = checked.problem!;
  }
  if (oversized) return status === 413 ? expectType(problem!, 'body-too-large') : `${status} for a body over the limit, want 413`;
  if (!isJsonMedia(c.contentType)) return status === 415 ? expectType(problem!, 'unsupported-media-type') : `${status} for ${c.contentType}, want 415`;
  const parsed = parse(c.body);
  if (!parsed.ok) return status === 400 ? expectType(problem!, 'invalid-json') : `${status} for a body that is not JSON, want 400`;
  const polluting = pollutionPointers(parsed.value);
  if (polluting.length > 0) {
    if (status !== 400) return `${status} for a prototype key at ${polluting.join(', ')}, want 400`;
    const got = (problem!.errors ?? []).map((e) => e.pointer);
    return got.some((p) => polluting.includes(p)) ? null : `400 naming ${JSON.stringify(got)}, want one of ${JSON.stringify(polluting)}`;
  }
  const valid = v.request(parsed.value);
  if (!valid) {
    if (status !== 400) return `${status} for a body the schema refuses (${JSON.stringify(expectedPointers(v.request.errors ?? []).slice(0, 3))})`;
    const fault = expectType(problem!, 'invalid-request');
    if (fault) return fault;
    const listed = problem!.errors ?? [];
    const got = [...new Set(listed.map((e) => e.pointer))].sort();
    const all = expectedPointers(v.request.errors ?? []);
    const want = [...new Set(all)].sort();
    if (got.length === 0) return '400 without field errors';
    if (listed.length > v.maxFieldErrors) return `${listed.length} field errors listed, at most ${v.maxFieldErrors}`;
    // Past the cap the answer lists a subset; below it, exactly the failing fields.
    const truncated = all.length > v.maxFieldErrors;
    const named = truncated ? got.every((p) => want.includes(p)) && listed.length === v.maxFieldErrors : JSON.stringify(got) === JSON.stringify(want);
    if (!named) return `400 naming ${JSON.stringify(got.slice(0, 5))}, want ${JSON.stringify(want.slice(0, 5))}`;
    const outside = c.at === null ? [] : got.filter((p) => !under(p, c.at!));
    return outside.length ? `400 naming ${JSON.stringify(outside.slice(0, 3))} outside the changed field ${c.at}` : null;
  }
  return judgeValid(c, answer, problem, parsed.value, v);
}

function judgeValid(c: FuzzCase, answer: Answer, problem: Problem | undefined, body: unknown, v: Validators): string | null {
  if (answer.status === 200) {
    if (!answer.headers.get('x-mlservice-variant')) return '200 without x-mlservice-variant';
    let out: unknown;
    try {
      out = JSON.parse(answer.text);
    } catch {
      return '200 whose body is not JSON';
    }
    return v.response(out) ? null : `200 not matching the response schema: ${JSON.stringify(v.response.errors?.slice(0, 2))}`;
  }
  if (c.category === 'valid') return `${answer.status} for a schema-valid body of typical values, want 200`;
  if (answer.status === 422) return expectType(problem!, 'non-finite-output');
  if (answer.status === 400) {
    // A value the schema allows but the model input's element type cannot hold: each named field
    // must be a number in the body (the runtime's dtype check), within the field the case changed
    // (the rest of the body holds typical values).
    const got = (problem!.errors ?? []).map((e) => e.pointer);
    const named = got.length > 0 && got.every((p) => typeof resolve(body, p) === 'number' && (c.at === null || under(p, c.at)));
    return named ? null : `400 for a schema-valid body naming ${JSON.stringify(got.slice(0, 3))}${c.at === null ? '' : ` (changed: ${c.at})`}`;
  }
  return `${answer.status} for a schema-valid body`;
}

function resolve(node: unknown, pointer: string): unknown {
  if (pointer === '') return node;
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<any>((n, t) => (n !== null && typeof n === 'object' && Object.hasOwn(n, t) ? n[t] : undefined), node);
}
