/**
 * The chart's `values.schema.json`. Helm validates the merged values against it on install,
 * upgrade, lint and template, so a bad `--set` from CI or Spinnaker fails the bake with a clear
 * message instead of rendering a broken manifest. Draft-07 only: Helm 3.x validates with an older
 * library than Helm 4.
 * @see https://helm.sh/docs/topics/charts/#schema-files
 */
import type { ServiceModel } from '../config/model.js';

type Schema = Record<string, unknown>;

/** Kubernetes quantities as our config accepts them. */
const CPU_PATTERN = '^([0-9]+m|[0-9]+(\\.[0-9]{1,3})?)$';
const MEMORY_PATTERN = '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$';
/** An OCI tag: 1-128 of [A-Za-z0-9_.-], not starting with '.' or '-'. */
const TAG_PATTERN = '^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$';
const DURATION_PATTERN = '^[0-9]+(ms|s|m|h)$';

function object(properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema {
  return { type: 'object', additionalProperties: false, required, properties };
}

const int = (minimum: number, maximum?: number): Schema => ({ type: 'integer', minimum, ...(maximum === undefined ? {} : { maximum }) });
const str = (pattern: string): Schema => ({ type: 'string', pattern });
const stringMap: Schema = { type: 'object', additionalProperties: { type: 'string' } };
const bool: Schema = { type: 'boolean' };
const DNS_LABEL = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$';
/** A DNS-1123 subdomain (Secret names), without anchors. */
const DNS_SUBDOMAIN = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
/** A DNS name, optionally with a leading wildcard label (Ingress host rules). */
const HOST_PATTERN = '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

function probesSchema(): Schema {
  const timings = (extra: Record<string, Schema> = {}) =>
    object({ periodSeconds: int(1), timeoutSeconds: int(1), failureThreshold: int(1), initialDelaySeconds: int(0), ...extra }, ['periodSeconds', 'timeoutSeconds', 'failureThreshold']);
  // Kubernetes requires successThreshold 1 for startup and liveness probes, so only readiness has it.
  return object({ startup: timings(), readiness: timings({ successThreshold: int(1) }), liveness: timings() });
}

/** Like `helm create`'s ingress values; an enabled Ingress needs at least one host. */
function ingressSchema(): Schema {
  const path = object({ path: str('^/'), pathType: { type: 'string', enum: ['Exact', 'Prefix', 'ImplementationSpecific'] } });
  const host = object({ host: str(HOST_PATTERN), paths: { type: 'array', minItems: 1, items: path } });
  const tls = object({ secretName: { type: 'string', minLength: 1 }, hosts: { type: 'array', items: str(HOST_PATTERN) } }, ['secretName']);
  return {
    ...object({ enabled: bool, className: { type: 'string' }, annotations: stringMap, hosts: { type: 'array', items: host }, tls: { type: 'array', items: tls } }),
    if: { properties: { enabled: { const: true } } },
    then: { properties: { hosts: { minItems: 1 } } },
  };
}

/** A metav1.LabelSelector; the API server checks the expressions. */
const labelSelector: Schema = { type: 'object', additionalProperties: false, properties: { matchLabels: stringMap, matchExpressions: { type: 'array', items: { type: 'object' } } } };

function networkPolicySchema(): Schema {
  return object({
    enabled: bool,
    prometheus: object({ namespaceSelector: labelSelector, podSelector: labelSelector }),
    // NetworkPolicyPeer objects, checked by the API server.
    additionalFrom: { type: 'array', items: { type: 'object', minProperties: 1 } },
  });
}

/** When on, the Secret and its key must be named (a secretKeyRef without them is refused by the API server). */
function authSchema(): Schema {
  return {
    ...object({ enabled: bool, secretName: str(`^(${DNS_SUBDOMAIN})?$`), secretKey: str('^[-._a-zA-Z0-9]{0,253}$') }),
    if: { properties: { enabled: { const: true } } },
    then: { properties: { secretName: { minLength: 1 }, secretKey: { minLength: 1 } } },
  };
}

function resourcesSchema(): Schema {
  const quantities = (required: string[]) => object({ cpu: str(CPU_PATTERN), memory: str(MEMORY_PATTERN) }, required);
  return object({ requests: quantities(['cpu', 'memory']), limits: quantities(['memory']) });
}

function modelsSchema(model: ServiceModel): Schema {
  const entry = object({
    // Integers allowed: `helm --set models.x.version=12` (not --set-string) yields a number.
    version: { type: ['string', 'integer'], pattern: '^[A-Za-z0-9_.-]{0,63}$' },
    runId: str('^[A-Za-z0-9_.-]{0,128}$'),
  });
  // The template renders a model's identity only when its version is set; a run id alone would be dropped.
  Object.assign(entry, { if: { properties: { runId: { minLength: 1 } } }, then: { properties: { version: { minLength: 1 } } } });
  return object(Object.fromEntries(model.models.map((m) => [m.name, entry])));
}

export function valuesSchema(model: ServiceModel): Schema {
  const properties: Record<string, Schema> = {
    track: { type: 'string', enum: ['stable', 'canary', 'baseline', 'shared'] },
    image: object({
      repository: { type: 'string', minLength: 1 },
      tag: str(TAG_PATTERN),
      pullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] },
    }),
    revision: str('^[A-Za-z0-9_.-]{0,128}$'),
    models: modelsSchema(model),
    replicas: object({ min: int(1), max: int(1), canary: int(1) }),
    autoscaling: object({ enabled: bool, targetCPUUtilizationPercentage: int(1, 100) }),
    resources: resourcesSchema(),
    podDisruptionBudget: object({ enabled: bool, minAvailable: int(0) }),
    containerPort: int(1, 65535),
    service: object({ type: { type: 'string', enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] }, port: int(1, 65535) }),
    ingress: ingressSchema(),
    serviceMonitor: object({
      enabled: bool,
      interval: str(DURATION_PATTERN),
      scrapeTimeout: str(DURATION_PATTERN),
      honorLabels: bool,
      labels: stringMap,
    }),
    networkPolicy: networkPolicySchema(),
    auth: authSchema(),
    shutdown: object({
      preStopAction: { type: 'string', enum: ['auto', 'sleep', 'exec'] },
      preStopSeconds: int(1, 300),
      drainSeconds: int(0, 3600),
    }),
    probes: probesSchema(),
    // Integers allowed for ortThreads and inferenceNice: `--set runtime.ortThreads=4` yields a number.
    runtime: object({
      ortThreads: { type: ['string', 'integer'], pattern: '^([0-9]{1,3})?$', minimum: 0, maximum: 999 },
      inferenceThread: { type: 'string', enum: ['', 'auto', 'main', 'worker'] },
      inferenceNice: { type: ['string', 'integer'], pattern: '^(1?[0-9])?$', minimum: 0, maximum: 19 },
      logLevel: { type: 'string', enum: ['', 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    }),
    // Free-form: the API server validates them; the defaults are restricted-PSS.
    podSecurityContext: { type: 'object' },
    securityContext: { type: 'object' },
    serviceAccount: object({ create: bool, automount: bool, annotations: stringMap, name: str(DNS_LABEL) }),
    nameOverride: str(DNS_LABEL),
    fullnameOverride: str(DNS_LABEL),
    imagePullSecrets: { type: 'array', items: object({ name: { type: 'string', minLength: 1 } }) },
    podLabels: stringMap,
    podAnnotations: stringMap,
    nodeSelector: stringMap,
    tolerations: { type: 'array', items: { type: 'object' } },
    affinity: { type: 'object' },
  };
  // As a subchart, Helm hands the chart the parent's `global` values: allowed, not required.
  const root = object({ ...properties, global: { type: 'object' } }, Object.keys(properties));
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: `Values of the ${model.service.name} chart (generated by mlgen from mlservice.yaml; do not edit)`,
    ...root,
  };
}
