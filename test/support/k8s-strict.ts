/**
 * Strict Kubernetes object check (kubeconform -strict style, no cluster needed): every field of a
 * rendered object must exist in the API's OpenAPI model with the right JSON type. The models are
 * the `attributeTypeMap`s generated into @kubernetes/client-node from the Kubernetes OpenAPI spec.
 * kubernetes-models' `validate()` is run as well (required fields, enums, formats) but it accepts
 * unknown fields, which is exactly the mistake (`minAvaliable`) this walker exists to catch.
 *
 * The root import of @kubernetes/client-node crashes on Node 20, the generated models do not.
 */
import * as k8sModels from '@kubernetes/client-node/dist/gen/models/all.js';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';

type Attr = { name: string; baseName: string; type: string; format: string };
const models = k8sModels as unknown as Record<string, { getAttributeTypeMap?: () => Attr[] } | undefined>;

/** client-node model and kubernetes-models class for each kind the chart may render. */
const KINDS: Record<string, { model: string | null; validate: (o: unknown) => void }> = {
  'apps/v1/Deployment': { model: 'V1Deployment', validate: (o) => new Deployment(o as never).validate() },
  'v1/Service': { model: 'V1Service', validate: (o) => new Service(o as never).validate() },
  'v1/ServiceAccount': { model: 'V1ServiceAccount', validate: (o) => new ServiceAccount(o as never).validate() },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: 'V2HorizontalPodAutoscaler',
    validate: (o) => new HorizontalPodAutoscaler(o as never).validate(),
  },
  'policy/v1/PodDisruptionBudget': {
    model: 'V1PodDisruptionBudget',
    validate: (o) => new PodDisruptionBudget(o as never).validate(),
  },
  'networking.k8s.io/v1/Ingress': { model: 'V1Ingress', validate: (o) => new Ingress(o as never).validate() },
  'networking.k8s.io/v1/NetworkPolicy': { model: 'V1NetworkPolicy', validate: (o) => new NetworkPolicy(o as never).validate() },
  // A CRD: client-node has no model, so its known fields are walked with SERVICE_MONITOR below.
  'monitoring.coreos.com/v1/ServiceMonitor': { model: null, validate: (o) => new ServiceMonitor(o as never).validate() },
};

/** Returns every problem found (empty = valid): unknown kind, unknown field, wrong JSON type, failed validate(). */
export function strictK8sErrors(obj: Record<string, unknown>): string[] {
  const key = `${String(obj.apiVersion)}/${String(obj.kind)}`;
  const kind = KINDS[key];
  if (!kind) return [`unsupported kind ${key}`];
  const errors: string[] = [];
  if (kind.model) walk(obj, kind.model, key, errors);
  else walkShape(obj, SERVICE_MONITOR, key, errors);
  try {
    kind.validate(obj);
  } catch (err) {
    errors.push(`${key}: ${(err as Error).message}`);
  }
  return errors;
}

function walk(value: unknown, type: string, path: string, errors: string[]): void {
  const t = type.trim();
  const array = /^Array<(.+)>$/.exec(t);
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(t);
  if (array) {
    if (!Array.isArray(value)) return void errors.push(`${path}: expected array`);
    value.forEach((v, i) => walk(v, array[1]!, `${path}[${i}]`, errors));
  } else if (map) {
    if (!isObject(value)) return void errors.push(`${path}: expected map`);
    for (const [k, v] of Object.entries(value)) walk(v, map[1]!, `${path}.${k}`, errors);
  } else if (t === 'IntOrString') {
    if (typeof value !== 'string' && !Number.isInteger(value)) errors.push(`${path}: expected int or string`);
  } else if (t === 'string' || t === 'number' || t === 'boolean') {
    if (typeof value !== t) errors.push(`${path}: expected ${t}, got ${JSON.stringify(value)}`);
  } else if (t === 'any' || t === 'object') {
    return;
  } else {
    const attrs = models[t]?.getAttributeTypeMap?.();
    if (!attrs) return void errors.push(`${path}: no model ${t}`);
    if (!isObject(value)) return void errors.push(`${path}: expected object ${t}`);
    for (const [k, v] of Object.entries(value)) {
      const attr = attrs.find((a) => a.baseName === k);
      if (!attr) errors.push(`${path}: unknown field "${k}" in ${t}`);
      else walk(v, attr.type, `${path}.${k}`, errors);
    }
  }
}

/** A hand-kept shape: nested objects list allowed keys; leaves name a JSON type. */
type Shape = 'string' | 'number' | 'boolean' | 'labels' | { [key: string]: Shape } | [Shape];

/** The ServiceMonitor fields (monitoring.coreos.com/v1) our chart may set; anything else is an error. */
const SERVICE_MONITOR: Shape = {
  apiVersion: 'string',
  kind: 'string',
  metadata: { name: 'string', namespace: 'string', labels: 'labels', annotations: 'labels' },
  spec: {
    jobLabel: 'string',
    podTargetLabels: ['string'],
    targetLabels: ['string'],
    selector: { matchLabels: 'labels' },
    namespaceSelector: { matchNames: ['string'], any: 'boolean' },
    endpoints: [{ port: 'string', path: 'string', interval: 'string', scrapeTimeout: 'string', scheme: 'string', honorLabels: 'boolean' }],
  },
};

function walkShape(value: unknown, shape: Shape, path: string, errors: string[]): void {
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return void errors.push(`${path}: expected array`);
    value.forEach((v, i) => walkShape(v, shape[0], `${path}[${i}]`, errors));
  } else if (shape === 'labels') {
    walk(value, '{ [key: string]: string; }', path, errors);
  } else if (typeof shape === 'string') {
    if (typeof value !== shape) errors.push(`${path}: expected ${shape}`);
  } else {
    if (!isObject(value)) return void errors.push(`${path}: expected object`);
    for (const [k, v] of Object.entries(value)) {
      const sub = shape[k];
      if (sub === undefined) errors.push(`${path}: unknown field "${k}"`);
      else walkShape(v, sub, `${path}.${k}`, errors);
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Obj = Record<string, any>; // rendered manifests are untyped YAML

const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];

/**
 * Every check of the Pod Security Standard "restricted" profile (which includes "baseline") applied
 * to a pod spec, e.g. a Deployment's `spec.template.spec`. Returns the violations (empty = passes).
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 * @see https://github.com/kubernetes/pod-security-admission/tree/master/policy (check_*.go)
 */
export function restrictedPssErrors(pod: Obj): string[] {
  const errors: string[] = [];
  const psc: Obj = pod.securityContext ?? {};
  const containers: Obj[] = [...(pod.containers ?? []), ...(pod.initContainers ?? []), ...(pod.ephemeralContainers ?? [])];
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod[f] === true) errors.push(`pod: ${f} must not be true`);
  if (pod.hostUsers !== false && psc.runAsNonRoot !== true && !containers.every((c) => c.securityContext?.runAsNonRoot === true))
    errors.push('runAsNonRoot must be true at pod level or on every container');
  if (psc.runAsUser === 0) errors.push('pod: runAsUser must not be 0');
  const podSeccomp = psc.seccompProfile?.type;
  if (podSeccomp !== undefined && !['RuntimeDefault', 'Localhost'].includes(podSeccomp)) errors.push(`pod: seccompProfile ${podSeccomp}`);
  for (const s of psc.sysctls ?? []) if (!SAFE_SYSCTLS.includes(s.name)) errors.push(`pod: sysctl ${s.name} not allowed`);
  checkSeLinuxAndAppArmor(psc, 'pod', errors);
  for (const v of pod.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (!type || !RESTRICTED_VOLUMES.includes(type)) errors.push(`volume ${v.name}: type ${type} not allowed`);
  }
  for (const c of containers) checkContainer(c, podSeccomp, errors);
  return errors;
}

function checkContainer(c: Obj, podSeccomp: string | undefined, errors: string[]): void {
  const sc: Obj = c.securityContext ?? {};
  const at = `container ${c.name}`;
  if (sc.privileged === true) errors.push(`${at}: privileged`);
  if (sc.windowsOptions?.hostProcess === true) errors.push(`${at}: hostProcess`);
  if (sc.allowPrivilegeEscalation !== false) errors.push(`${at}: allowPrivilegeEscalation must be false`);
  if (sc.runAsUser === 0) errors.push(`${at}: runAsUser must not be 0`);
  if (!(sc.capabilities?.drop ?? []).includes('ALL')) errors.push(`${at}: capabilities.drop must contain ALL`);
  for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') errors.push(`${at}: capability ${cap} added`);
  const seccomp = sc.seccompProfile?.type ?? podSeccomp;
  if (!['RuntimeDefault', 'Localhost'].includes(seccomp)) errors.push(`${at}: seccompProfile must be RuntimeDefault or Localhost`);
  if (sc.procMount !== undefined && sc.procMount !== 'Default') errors.push(`${at}: procMount ${sc.procMount}`);
  for (const p of c.ports ?? []) if (p.hostPort !== undefined && p.hostPort !== 0) errors.push(`${at}: hostPort ${p.hostPort}`);
  checkSeLinuxAndAppArmor(sc, at, errors);
}

function checkSeLinuxAndAppArmor(sc: Obj, at: string, errors: string[]): void {
  const se = sc.seLinuxOptions;
  if (se?.type !== undefined && !['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'].includes(se.type)) errors.push(`${at}: seLinuxOptions.type ${se.type}`);
  if (se?.user || se?.role) errors.push(`${at}: seLinuxOptions.user/role must be unset`);
  const aa = sc.appArmorProfile?.type;
  if (aa !== undefined && !['RuntimeDefault', 'Localhost'].includes(aa)) errors.push(`${at}: appArmorProfile ${aa}`);
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A qualified name (`[prefix/]name`) as label and annotation keys must be. */
function qualifiedNameError(key: string): string | null {
  const parts = key.split('/');
  const name = parts.at(-1)!;
  if (parts.length > 2) return 'more than one "/"';
  if (parts.length === 2 && (parts[0]!.length > 253 || !SUBDOMAIN.test(parts[0]!))) return 'prefix is not a DNS subdomain';
  if (name.length > 63 || !NAME.test(name)) return 'name part is not 1-63 alphanumerics, "-", "_", "."';
  return null;
}

/**
 * Label and annotation syntax everywhere in an object (metadata, pod template, selectors): the API
 * server rejects what the schema models above cannot express.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
 */
export function labelSyntaxErrors(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => labelSyntaxErrors(v, `${path}[${i}]`));
  if (!isObject(value)) return [];
  const errors: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const at = `${path}.${k}`;
    const isLabelMap = k === 'labels' || k === 'matchLabels' || (k === 'selector' && path.endsWith('spec') && !('matchLabels' in (v as Obj)));
    if ((isLabelMap || k === 'annotations') && isObject(v)) {
      for (const [key, val] of Object.entries(v)) {
        const keyError = qualifiedNameError(key);
        if (keyError) errors.push(`${at}: key "${key}": ${keyError}`);
        if (isLabelMap && val !== '' && (typeof val !== 'string' || val.length > 63 || !NAME.test(val))) errors.push(`${at}: value of "${key}" is not a valid label value: ${JSON.stringify(val)}`);
      }
    } else errors.push(...labelSyntaxErrors(v, at));
  }
  return errors;
}
