/**
 * Each endpoint's request validator, compiled at start-up from the OpenAPI document the service
 * serves: the operation `POST <endpoint path>`, its `requestBody` (a Reference Object to
 * `components.requestBodies` or inline), `content['application/json'].schema`, whose `$ref`s point
 * into the same document. The schema a client reads at /openapi.json is therefore the schema the
 * service applies, and the project commits no compiled validator that churns in review diffs.
 *
 * Compiling at run time means `new Function` at start-up. mlgen once compiled validators at
 * generation time (ajv standalone) so a service needed no eval; that reason does not hold here:
 * Fastify itself compiles its route serializers and its own validators with `new Function` at
 * start-up, so the process already relies on it (no CSP applies to a Node server).
 *
 * The ajv options are those mlgen's standalone validators used, so every answer is unchanged:
 * JSON Schema 2020-12 (OAS 3.1 schemas), `allErrors` (the problem+json lists every failing field),
 * `strictNumbers` (a JSON number too large for a double parses to Infinity, which no `type: number`
 * means), `strict: false` (OpenAPI keywords such as `example` sit beside schema keywords), and
 * ajv-formats for `format`. The schema itself was checked, with positions, by `mlgen sync`.
 * @see https://ajv.js.org/options.html
 * @see https://spec.openapis.org/oas/v3.1.0.html#request-body-object
 * @see https://github.com/fastify/fast-json-stringify (compiles with `new Function`)
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { ModelLoadError } from './model-files.js';
import { isObject, lookup } from './openapi.js';
import type { EndpointDefinition, ValidateFn } from './types.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

type Node = Record<string, unknown>;

/** The id the document is registered under in ajv; references `#/...` resolve against it. */
const DOCUMENT_ID = 'urn:mlservice:openapi';
const JSON_MEDIA = 'application/json';

const FIX = 'run "mlgen sync" so openapi.yaml describes every endpoint of src/generated/service.ts, and deploy both from the same commit';

const token = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** The JSON Pointer (`#/...`) of the request body schema of `POST path`, following Reference Objects. */
export function requestSchemaPointer(doc: Node, path: string): string | undefined {
  let pointer = `#/paths/${token(path)}/post/requestBody`;
  const seen = new Set<string>();
  let body = lookup(doc, pointer);
  while (isObject(body) && typeof body.$ref === 'string' && body.$ref.startsWith('#/') && !seen.has(body.$ref)) {
    seen.add(body.$ref);
    pointer = body.$ref;
    body = lookup(doc, pointer);
  }
  if (!isObject(body) || !isObject(body.content) || !isObject(body.content[JSON_MEDIA])) return undefined;
  const media = body.content[JSON_MEDIA] as Node;
  return isObject(media.schema) || typeof media.schema === 'boolean' ? `${pointer}/content/${token(JSON_MEDIA)}/schema` : undefined;
}

/**
 * The validate function of every endpoint, by name: the definition's own `validate` when it has
 * one (projects generated before the runtime compiled them), else compiled from `doc`.
 * Throws ModelLoadError (the service does not start) when `doc` lacks an endpoint's schema.
 */
export function requestValidators(doc: Node, endpoints: readonly EndpointDefinition[]): Map<string, ValidateFn> {
  const out = new Map<string, ValidateFn>();
  let ajv: Ajv2020 | undefined;
  for (const e of endpoints) {
    if (e.validate) {
      out.set(e.name, e.validate);
      continue;
    }
    const pointer = requestSchemaPointer(doc, e.path);
    if (pointer === undefined) {
      throw new ModelLoadError('MODEL.NO_REQUEST_SCHEMA', `the OpenAPI document has no POST ${e.path} with a request body schema under content["${JSON_MEDIA}"] for endpoint "${e.name}"`, FIX);
    }
    if (!ajv) {
      // Not `validateSchema`: the document is not one schema, and mlgen checked each request schema.
      ajv = new Ajv2020({ allErrors: true, strict: false, strictNumbers: true, logger: false, validateSchema: false });
      addFormats(ajv);
      ajv.addSchema(doc, DOCUMENT_ID);
    }
    let validate: ValidateFn | undefined;
    try {
      validate = ajv.getSchema(`${DOCUMENT_ID}${pointer}`) as ValidateFn | undefined;
    } catch (err) {
      // e.g. a `$ref` to a component the document does not have.
      throw new ModelLoadError('MODEL.BAD_REQUEST_SCHEMA', `the request schema of endpoint "${e.name}" (${pointer} of the OpenAPI document) does not compile: ${(err as Error).message}`, FIX);
    }
    if (!validate) throw new ModelLoadError('MODEL.NO_REQUEST_SCHEMA', `ajv found no schema at ${pointer} of the OpenAPI document for endpoint "${e.name}"`, FIX);
    out.set(e.name, validate);
  }
  return out;
}
