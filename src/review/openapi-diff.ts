/**
 * Compares two OpenAPI documents built by `buildOpenApi` (in the spirit of oasdiff's breaking-change
 * rules): operations added or removed, request and response body schemas, header parameters.
 *
 * @see https://github.com/oasdiff/oasdiff/blob/main/BREAKING-CHANGES.md
 */
import { diffSchemas, type Resolver, type Schema } from './schema-diff.js';

export interface ApiChange {
  /** `POST /v1/rank`. */
  operation: string;
  breaking: boolean;
  /** `POST /v1/rank request: new required field "device"`. */
  text: string;
}

type Doc = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function obj(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** RFC 6901 pointer lookup for `#/...` references. */
function pointer(doc: Doc, ref: string): unknown {
  const parts = ref
    .slice(2)
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.reduce<unknown>((node, key) => obj(node)[key], doc);
}

/** Follows `$ref` chains inside `doc` (at most 32 hops: a reference loop resolves to `{}`). */
export function resolverFor(doc: Doc): Resolver {
  return (schema) => {
    let node = obj(schema);
    for (let hop = 0; typeof node.$ref === 'string' && node.$ref.startsWith('#'); hop++) {
      if (hop === 32) return {};
      const { $ref, ...siblings } = node;
      node = { ...obj(pointer(doc, $ref as string)), ...siblings };
    }
    return node as Schema;
  };
}

function operations(doc: Doc): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const [path, item] of Object.entries(obj(doc.paths))) {
    for (const method of METHODS) {
      const op = obj(item)[method];
      if (op !== undefined) out.set(`${method.toUpperCase()} ${path}`, obj(op));
    }
  }
  return out;
}

function jsonSchemaOf(container: unknown, resolve: Resolver): unknown {
  return obj(obj(obj(resolve(container).content)['application/json'])).schema;
}

function headerParams(op: Record<string, unknown>): Map<string, boolean> {
  const params = Array.isArray(op.parameters) ? op.parameters.map(obj) : [];
  return new Map(params.filter((p) => p.in === 'header').map((p) => [String(p.name).toLowerCase(), p.required === true]));
}

function diffParameters(name: string, b: Record<string, unknown>, a: Record<string, unknown>): ApiChange[] {
  const bp = headerParams(b);
  const ap = headerParams(a);
  const out: ApiChange[] = [];
  for (const [h] of bp) if (!ap.has(h)) out.push({ operation: name, breaking: false, text: `${name}: header ${h} no longer read` });
  for (const [h, required] of ap) {
    if (!bp.has(h)) out.push({ operation: name, breaking: required, text: `${name}: ${required ? 'required' : 'optional'} header ${h} added` });
  }
  return out;
}

function diffOperation(name: string, b: Record<string, unknown>, a: Record<string, unknown>, before: Doc, after: Doc): ApiChange[] {
  const resolve = { before: resolverFor(before), after: resolverFor(after) };
  const out = diffParameters(name, b, a);
  if (b.operationId !== a.operationId) {
    const text = `${name}: operationId ${String(b.operationId)} -> ${String(a.operationId)} (renames generated client methods)`;
    out.push({ operation: name, breaking: true, text });
  }
  const body = (where: string, bs: unknown, as: unknown, direction: 'request' | 'response'): void => {
    if (bs === undefined && as === undefined) return;
    for (const c of diffSchemas(bs ?? {}, as ?? {}, direction, resolve)) {
      out.push({ operation: name, breaking: c.breaking, text: `${name} ${where}: ${c.text}` });
    }
  };
  body('request', jsonSchemaOf(b.requestBody, resolve.before), jsonSchemaOf(a.requestBody, resolve.after), 'request');
  const bResponses = obj(b.responses);
  const aResponses = obj(a.responses);
  for (const status of Object.keys(bResponses).filter((s) => s.startsWith('2'))) {
    if (!(status in aResponses)) {
      out.push({ operation: name, breaking: true, text: `${name}: response ${status} removed` });
      continue;
    }
    const bs = jsonSchemaOf(bResponses[status], resolve.before);
    body(`response ${status}`, bs, jsonSchemaOf(aResponses[status], resolve.after), 'response');
  }
  return out;
}

/** Every API difference between two documents, in path order of `after` (removals first). */
export function diffOpenApi(before: Doc, after: Doc): ApiChange[] {
  const bOps = operations(before);
  const aOps = operations(after);
  const out: ApiChange[] = [];
  for (const name of bOps.keys()) if (!aOps.has(name)) out.push({ operation: name, breaking: true, text: `${name} removed` });
  for (const [name, a] of aOps) {
    const b = bOps.get(name);
    if (b === undefined) out.push({ operation: name, breaking: false, text: `${name} added` });
    else out.push(...diffOperation(name, b, a, before, after));
  }
  return out;
}
