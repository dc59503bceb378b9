/**
 * The service's OpenAPI 3.1 description of what mlservice.yaml decides, built as a plain object and
 * written as `openapi.yaml`, the one copy in the project: the image carries it and the runtime
 * serves it at /openapi.json, with its references into @mlservice/runtime's document (operational
 * routes, Problem, shared error answers; see openapi-components.ts) resolved.
 *
 * @see https://spec.openapis.org/oas/v3.1.0.html
 */
import type { AuthSpec, EndpointSpec, ServiceModel } from '../config/model.js';
import { VARIANT_HEADER } from '@mlservice/runtime/names';
import { COMMON_ERRORS, NO_SECURITY, OPERATIONAL_OPERATION_IDS, TAG_INFERENCE, payloadTooLarge, ref, runtimeRef, sortStatuses } from './openapi-components.js';
import { authComponents, predictionSecurity } from './openapi-auth.js';
import { embedSchema, withoutOptionalDefaults } from './openapi-embed.js';
import { toYaml } from './openapi-yaml.js';
import { GENERATED_MARKER, type Emitter } from './types.js';

export const OPENAPI_PATH = 'openapi.yaml';

/** `score-items` -> `scoreItems`; endpoint names are DNS-1123 labels. */
function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function pascalCase(name: string): string {
  const camel = camelCase(name);
  return camel.charAt(0).toUpperCase() + camel.slice(1);
}

/** Appends 2, 3, ... until `base` is not in `taken`, then records it. `a-1` and `a1` both camelCase to `a1`. */
function claim(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}${n}`;
  taken.add(name);
  return name;
}

interface EndpointNames {
  operationId: string;
  /** Component schema name stem: `Rank` gives `RankRequest` and `RankResponse`. */
  schema: string;
}

/** Stable, unique names per endpoint, in endpoint order. */
export function endpointNames(endpoints: readonly EndpointSpec[]): EndpointNames[] {
  const ops = new Set<string>(OPERATIONAL_OPERATION_IDS);
  const schemas = new Set<string>();
  return endpoints.map((e) => ({ operationId: claim(camelCase(e.name), ops), schema: claim(pascalCase(e.name), schemas) }));
}

function variantNames(e: EndpointSpec): string[] {
  return e.ab ? e.ab.variants.map((v) => v.name) : ['default'];
}

function servedBy(e: EndpointSpec): string {
  if (!e.ab) return `Served by model \`${e.model ?? ''}\`.`;
  const split = e.ab.variants.map((v) => `\`${v.name}\` ${v.weight}% (model \`${v.model}\`)`).join(', ');
  const missing = e.ab.missingUnit === 'reject' ? 'are rejected with 400' : `are served by \`${e.ab.missingUnit.variant}\``;
  return `A/B experiment \`${e.ab.experiment}\`, sticky on \`${e.ab.unit}\`: ${split}. Requests without \`${e.ab.unit}\` ${missing}.`;
}

function operationDescription(e: EndpointSpec): string {
  const lead = e.description.trim() === '' ? `Runs the \`${e.name}\` endpoint.` : e.description;
  return `${lead}\n\n${servedBy(e)}\n\n${overload(e)}`;
}

/** What a caller sees under overload: the numbers come from the endpoint's batching settings. */
function overload(e: EndpointSpec): string {
  const b = e.batching;
  return (
    `Overload is refused fast, never queued late: a request that cannot start within ${b.queueBudgetMs} ms ` +
    '(its predicted wait on arrival, or its time in the queue) gets 503 `queue-budget-exceeded`, and one that ' +
    `would take the queue past ${b.maxQueueRows} rows gets 429; both carry \`Retry-After\`.`
  );
}

function overrideParameter(e: EndpointSpec): object[] {
  if (!e.ab?.overrideHeader) return [];
  return [
    {
      name: e.ab.overrideHeader,
      in: 'header',
      required: false,
      description: 'QA only: forces the named A/B variant instead of the sticky assignment.',
      schema: { type: 'string', enum: variantNames(e) },
    },
  ];
}

/** Where an endpoint's request schema lives: `components.requestBodies.<Name>Request`. */
export function requestSchemaPointer(schemaName: string): string {
  return `#/components/requestBodies/${schemaName}Request/content/application~1json/schema`;
}

/**
 * The request body as a `requestBodies` component with its schema inline, not a `$ref` into
 * `components.schemas`: openapi-typescript (default `defaultNonNullable: true`) makes every
 * property that has a `default` required, except under a path containing `requestBody(ies)`.
 * A field the service defaults (`history: {default: []}`) must stay optional for clients.
 * @see https://github.com/openapi-ts/openapi-typescript/blob/main/packages/openapi-typescript/src/transform/schema-object.ts (the `optional` test in transformSchemaObjectCore)
 */
function requestBodyComponent(e: EndpointSpec, schemaName: string): object {
  const media: Record<string, unknown> = { schema: embedSchema(e.input, requestSchemaPointer(schemaName)) };
  if (e.examples.length > 0) {
    media.examples = Object.fromEntries(e.examples.map((value, i) => [`example${i + 1}`, { value }]));
  }
  return { description: `The \`${e.name}\` request: one instance.`, required: true, content: { 'application/json': media } };
}

function successResponse(e: EndpointSpec, schemaName: string): object {
  return {
    description: 'The prediction.',
    headers: {
      [VARIANT_HEADER]: {
        description: e.ab ? 'The A/B variant that served this request.' : 'Always `default`: this endpoint has no A/B split.',
        required: true,
        schema: { type: 'string', enum: variantNames(e) },
      },
    },
    content: { 'application/json': { schema: ref('schemas', `${schemaName}Response`) } },
  };
}

function endpointOperation(e: EndpointSpec, names: EndpointNames, auth: AuthSpec | undefined): object {
  const parameters = overrideParameter(e);
  const security = predictionSecurity(auth);
  return {
    post: {
      operationId: names.operationId,
      summary: e.name,
      description: operationDescription(e),
      tags: [TAG_INFERENCE],
      ...(security ? { security } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      requestBody: ref('requestBodies', `${names.schema}Request`),
      responses: sortStatuses({
        '200': successResponse(e, names.schema),
        '400': runtimeRef('responses', 'BadRequest'),
        ...(auth ? { '401': ref('responses', 'Unauthorized') } : {}),
        '413': ref('responses', 'PayloadTooLarge'),
        '415': runtimeRef('responses', 'UnsupportedMediaType'),
        '422': runtimeRef('responses', 'NonFiniteOutput'),
        '429': runtimeRef('responses', 'TooManyRequests'),
        '503': runtimeRef('responses', 'PredictionUnavailable'),
        ...COMMON_ERRORS,
      }),
    },
  };
}

function info(model: ServiceModel): Record<string, unknown> {
  const s = model.service;
  const contact = { name: s.contact?.name ?? s.owner, ...(s.contact?.email ? { email: s.contact.email } : {}), ...(s.contact?.url ? { url: s.contact.url } : {}) };
  const description = s.description.trim() === '' ? `The ${s.name} inference service.` : s.description;
  return { title: s.name, description, version: s.version, contact, ...(s.license ? { license: { ...s.license } } : {}) };
}

/** The OpenAPI 3.1 document for `model`; plain JSON data, keys in a fixed order. */
export function buildOpenApi(model: ServiceModel): Record<string, unknown> {
  const names = endpointNames(model.endpoints);
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  const requestBodies: Record<string, unknown> = {};
  model.endpoints.forEach((e, i) => {
    const n = names[i]!;
    paths[e.path] = endpointOperation(e, n, model.server.auth);
    requestBodies[`${n.schema}Request`] = requestBodyComponent(e, n.schema);
    schemas[`${n.schema}Response`] = withoutOptionalDefaults(embedSchema(e.output, `#/components/schemas/${n.schema}Response`));
  });
  const auth = authComponents(model.server.auth, model.service.name);
  return {
    openapi: '3.1.0',
    'x-generated-by': 'mlgen',
    info: info(model),
    servers: [{ url: '/', description: 'The service itself (paths are relative to where it is reached).' }],
    // No requirement for the whole API: the prediction operations state `server.auth` when it is
    // on, the operational ones `security: []` (see NO_SECURITY).
    security: NO_SECURITY,
    // The runtime adds its operational routes (and their tag) when it serves the document.
    tags: [{ name: TAG_INFERENCE, description: 'Model predictions.' }],
    paths,
    components: {
      schemas,
      requestBodies,
      responses: { PayloadTooLarge: payloadTooLarge(model.server.bodyLimitBytes), ...auth.responses },
      ...(auth.securitySchemes ? { securitySchemes: auth.securitySchemes } : {}),
    },
  };
}

export const emitOpenApi: Emitter = (model) => [
  {
    path: OPENAPI_PATH,
    content: toYaml(buildOpenApi(model), [GENERATED_MARKER]),
    owner: 'generated',
    emitter: 'openapi',
    inputs: ['/endpoints', '/server/auth', '/server/bodyLimitBytes', '/service'],
  },
];
