import type { EndpointSpec, ServiceModel } from '../../config/model.js';
import { RUNTIME_PACKAGE } from './contract.js';
import { bodyTypeNames, pascalCase, propertyAccess, tsLiteral } from './names.js';
import { TsFile } from './ts-file.js';

/**
 * `src/generated/service.ts`: the route table. Plain data from the config plus the user's hooks,
 * checked against the generated `Hooks` contract; `@mlservice/runtime` does the rest, including
 * each endpoint's request validator, compiled at start-up from the request schema in `openapi.yaml`.
 */
export function serviceModule(model: ServiceModel): string {
  const file = new TsFile('src/generated/service.ts');
  const hooks = file.use('hooks', 'src/hooks.js');
  const contract = file.use('Hooks', 'src/generated/hooks-contract.js', { typeOnly: true });
  const checked = file.declare('userHooks');
  file.add(`// Typed again here so the service cannot start with hooks that drifted from the contract.\nconst ${checked}: ${contract} = ${hooks};`);
  const endpointVars = model.endpoints.map((e) => endpointConst(file, e, checked));
  const def = file.use('ServiceDefinition', RUNTIME_PACKAGE, { typeOnly: true });
  const data = {
    service: { name: model.service.name, version: model.service.version, description: model.service.description },
    models: model.models.map((m) => ({ name: m.name, source: m.source.uri, outputs: m.outputs })),
  };
  const body = tsLiteral(data).replace(/\n}$/, '');
  const tail = [
    `  endpoints: [${endpointVars.join(', ')}],`,
    `  server: ${tsLiteral(serverDefinition(model), '  ')},`,
    // The one copy of the document, at the project root (the image copies it there too):
    // dist/generated/service.js and src/generated/service.ts are both two levels below it.
    "  openapi: new URL('../../openapi.yaml', import.meta.url),",
    '}',
  ].join('\n');
  file.add(`export const ${file.declare('definition')}: ${def} = ${body}\n${tail};`);
  return file.render();
}

/**
 * `server` of the definition: the runtime's settings. Of `server.auth` only the scheme: where the
 * token lives (the Secret) is the chart's business, and the token itself comes from the environment.
 */
function serverDefinition(model: ServiceModel): Record<string, unknown> {
  const { port, bodyLimitBytes, shutdownGraceMs, auth } = model.server;
  const out: Record<string, unknown> = { port, bodyLimitBytes, shutdownGraceMs };
  if (auth) out.auth = auth.type === 'apiKey' ? { type: auth.type, header: auth.header } : { type: auth.type };
  return out;
}

function endpointConst(file: TsFile, e: EndpointSpec, hooks: string): string {
  const name = file.declare(`${pascalCase(e.name).replace(/^./, (c) => c.toLowerCase())}Endpoint`);
  const t = bodyTypeNames(e.name);
  const type = file.use('EndpointDefinition', RUNTIME_PACKAGE, { typeOnly: true });
  const req = file.use(t.request, 'src/generated/types.js', { typeOnly: true });
  const res = file.use(t.response, 'src/generated/types.js', { typeOnly: true });
  const batching = e.batching.enabled ? e.batching : { enabled: false, maxBatchSize: 1, maxLatencyMs: 0, maxQueueRows: e.batching.maxQueueRows, queueBudgetMs: e.batching.queueBudgetMs };
  const routing = e.ab ? { ab: { ...e.ab, variants: e.ab.variants.map((v) => ({ name: v.name, model: v.model, basisPoints: v.basisPoints })) } } : { model: e.model };
  const data = tsLiteral({ name: e.name, path: e.path, ...routing, batching }).replace(/\n}$/, '');
  const hook = propertyAccess(hooks, e.name);
  const lines = [
    // Arrow wrappers keep `this` inside the user's hook object, whatever style they write it in.
    `  preprocess: (input, ctx) => ${hook}.preprocess(input, ctx),`,
    `  postprocess: (outputs, input, ctx) => ${hook}.postprocess(outputs, input, ctx),`,
    '}',
  ];
  file.add(`const ${name}: ${type}<${req}, ${res}> = ${data}\n${lines.join('\n')};`);
  return name;
}

/** `src/main.ts`: the entry point `npm start` runs. */
export function mainModule(): string {
  const file = new TsFile('src/main.ts');
  const start = file.use('startService', RUNTIME_PACKAGE);
  const definition = file.use('definition', 'src/generated/service.js');
  file.add(`await ${start}(${definition});`);
  return file.render();
}
