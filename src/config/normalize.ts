/**
 * Schema-valid, defaulted config -> the one typed `ServiceModel` emitters read. Key order of the
 * config's own mappings never matters; the order of request/response fields and of examples is
 * the author's and is kept (see `canonicalSchema`). Defaults come from
 * the schema's `default` keywords (applied by ajv's `useDefaults` during validation); the only
 * defaults computed here are the ones that depend on another field (endpoint path, A/B salt,
 * build base image, the auth Secret's name and the API key header).
 */
import { canonicalSchema } from '../canonical.js';
import type { AbSpec, BatchingSpec, DeploySpec, EndpointSpec, ModelSpec, ServerSpec, ServiceMeta, ServiceModel } from './model.js';
import type { RawAb, RawConfig, RawDeploy, RawEndpoint, RawModel } from './raw.js';
import { schemaDefault } from './schema.js';
import { parseModelSource } from './source.js';

/** Only call with data that passed `validateConfig` without errors. */
export function normalizeConfig(raw: RawConfig): ServiceModel {
  return {
    apiVersion: raw.apiVersion,
    service: service(raw.service),
    models: raw.models.map(model),
    endpoints: raw.endpoints.map(endpoint),
    server: server(raw.server!, raw.service.name),
    deploy: deploy(raw.deploy),
  };
}

function server(s: NonNullable<RawConfig['server']>, serviceName: string): ServerSpec {
  const out: ServerSpec = { port: s.port!, bodyLimitBytes: s.bodyLimitBytes!, shutdownGraceMs: s.shutdownGraceMs! };
  if (s.auth) {
    const secret = { name: s.auth.secretName ?? `${serviceName}-auth`, key: s.auth.secretKey! };
    out.auth = s.auth.type === 'apiKey' ? { type: 'apiKey', header: s.auth.header ?? DEFAULT_API_KEY_HEADER, secret } : { type: 'bearer', secret };
  }
  return out;
}

/** The API key header when the config names none (the name most API gateways use). */
export const DEFAULT_API_KEY_HEADER = 'x-api-key';

function service(s: RawConfig['service']): ServiceMeta {
  const out: ServiceMeta = { name: s.name, description: s.description!, owner: s.owner, version: s.version! };
  if (s.contact) {
    const c = s.contact;
    out.contact = {
      ...(c.name !== undefined && { name: c.name }),
      ...(c.email !== undefined && { email: c.email }),
      ...(c.url !== undefined && { url: c.url }),
    };
  }
  if (s.license) {
    const l = s.license;
    out.license = { name: l.name, ...(l.identifier !== undefined && { identifier: l.identifier }), ...(l.url !== undefined && { url: l.url }) };
  }
  return out;
}

function model(m: RawModel): ModelSpec {
  const parsed = parseModelSource(m.source);
  if (!parsed.ok) throw new Error(`internal: unvalidated model source ${JSON.stringify(m.source)}`);
  const out: ModelSpec = { name: m.name, source: parsed.source, runtime: m.runtime! };
  if (m.outputs) out.outputs = [...m.outputs];
  return out;
}

function endpoint(e: RawEndpoint): EndpointSpec {
  const out: EndpointSpec = {
    name: e.name,
    path: e.path ?? `/v1/${e.name}`,
    description: e.description!,
    input: canonicalSchema(e.input),
    output: canonicalSchema(e.output),
    batching: batching(e.batching!),
    // Examples are data the author wrote: their key order is kept, like the schema's fields.
    examples: structuredClone(e.examples!),
  };
  if (e.ab) out.ab = ab(e.ab);
  else out.model = e.model!;
  return out;
}

function ab(a: RawAb): AbSpec {
  const out: AbSpec = {
    experiment: a.experiment,
    salt: a.salt ?? a.experiment,
    unit: a.unit,
    variants: a.variants.map((v) => ({ name: v.name, model: v.model, weight: v.weight, basisPoints: Math.round(v.weight * 100) })),
    missingUnit: a.missingUnit === 'reject' || a.missingUnit === undefined ? 'reject' : { variant: a.missingUnit.variant },
  };
  if (a.overrideHeader !== undefined) out.overrideHeader = a.overrideHeader;
  return out;
}

/**
 * The queue budget when the config sets none: ten batching windows, at least 100 ms. Under normal
 * load a request waits at most one window plus the batch ahead of it, so this sheds only a queue
 * that has grown several batches deep (the schema's description says the same).
 */
export function defaultQueueBudgetMs(maxLatencyMs: number): number {
  return Math.max(100, 10 * maxLatencyMs);
}

function batching(b: NonNullable<RawEndpoint['batching']>): BatchingSpec {
  // `batching: false` skips the schema's property defaults, so its queue bound is read from there.
  if (b === false) return { enabled: false, maxQueueRows: schemaDefault('/$defs/batching/properties/maxQueueRows') as number, queueBudgetMs: defaultQueueBudgetMs(0) };
  const queueBudgetMs = b.queueBudgetMs ?? defaultQueueBudgetMs(b.enabled === false ? 0 : b.maxLatencyMs!);
  if (b.enabled === false) return { enabled: false, maxQueueRows: b.maxQueueRows!, queueBudgetMs };
  return { enabled: true, maxBatchSize: b.maxBatchSize!, maxLatencyMs: b.maxLatencyMs!, maxQueueRows: b.maxQueueRows!, queueBudgetMs };
}

function deploy(d: RawDeploy): DeploySpec {
  const k = d.kubernetes;
  const req = k.resources!.requests!;
  const lim = k.resources!.limits!;
  const canary = d.spinnaker.canary!;
  return {
    image: { registry: d.image.registry, repository: d.image.repository, base: d.image.base!, buildBase: d.image.buildBase ?? d.image.base! },
    kubernetes: {
      namespace: k.namespace,
      replicas: { min: k.replicas!.min!, max: k.replicas!.max! },
      targetCpuUtilization: k.targetCpuUtilization!,
      resources: { requests: { cpu: req.cpu!, memory: req.memory! }, limits: { ...(lim.cpu !== undefined && { cpu: lim.cpu }), memory: lim.memory! } },
      minAvailable: k.minAvailable!,
      serviceMonitor: k.serviceMonitor!,
      networkPolicy: k.networkPolicy!,
    },
    spinnaker: {
      application: d.spinnaker.application,
      account: d.spinnaker.account,
      canary: { lifetime: canary.lifetime!, intervalMinutes: canary.intervalMinutes!, pass: canary.pass!, marginal: canary.marginal!, replicas: canary.replicas! },
    },
  };
}
