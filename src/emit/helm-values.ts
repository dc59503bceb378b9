/**
 * The chart's `values.yaml`: every setting the verbatim templates in `templates/helm/` read,
 * defaulted from the config. CI and Spinnaker override `track`, `image.tag`, `revision` and
 * `models.<name>.*` per bake; everything else changes by editing mlservice.yaml and syncing (or
 * with `--set` / `-f` where the chart is installed by hand). Model identity has no default: pods
 * claim a model version only when the bake was told it. Security contexts default to the
 * restricted Pod Security Standard.
 */
import type { ServiceModel } from '../config/model.js';
import { toYaml } from './openapi-yaml.js';
import { GENERATED_MARKER } from './types.js';

/** Seconds the pod keeps serving after it is marked terminating, while endpoints drop it. */
export const PRESTOP_SECONDS = 5;
/** 5 s probes: this many failures lets a model load for five minutes before the pod restarts. */
export const STARTUP_FAILURE_THRESHOLD = 60;
/** The image's non-root user (the generated Dockerfile's USER). */
export const RUN_AS = 10001;

/** Restricted Pod Security Standard: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp. */
function securityContexts() {
  const user = { runAsNonRoot: true, runAsUser: RUN_AS, runAsGroup: RUN_AS };
  const seccompProfile = { type: 'RuntimeDefault' };
  return {
    podSecurityContext: { ...user, fsGroup: RUN_AS, seccompProfile },
    securityContext: { ...user, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile },
  };
}

/** Probe timings; the paths are the runtime's and not values. */
const PROBES = {
  startup: { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: STARTUP_FAILURE_THRESHOLD },
  readiness: { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
  liveness: { periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
};

export type ModelValues = { version: string; runId: string };

/**
 * The Prometheus the NetworkPolicy admits by default: pods labelled `app.kubernetes.io/name:
 * prometheus` (the label prometheus-operator puts on every Prometheus pod it runs, in
 * pkg/prometheus/server/statefulset.go) in namespace `monitoring`, selected by the
 * `kubernetes.io/metadata.name` label Kubernetes sets on every namespace (since 1.21).
 */
export const PROMETHEUS_PEER = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
};

/** Where the pods read the prediction token from, when `server.auth` is on. */
function authValues(model: ServiceModel): { enabled: boolean; secretName: string; secretKey: string } {
  const auth = model.server.auth;
  return auth ? { enabled: true, secretName: auth.secret.name, secretKey: auth.secret.key } : { enabled: false, secretName: '', secretKey: '' };
}

export function chartValues(model: ServiceModel): Record<string, unknown> {
  const k8s = model.deploy.kubernetes;
  const { registry, repository } = model.deploy.image;
  const models: Record<string, ModelValues> = {};
  // Empty: only a bake that knows the image's models sets them (the template then renders nothing).
  // A version from the config would be a guess: aliases move, and the baseline runs an older image.
  for (const m of model.models) models[m.name] = { version: '', runId: '' };
  return {
    track: 'stable',
    image: { repository: `${registry}/${repository}`, tag: '', pullPolicy: 'IfNotPresent' },
    revision: '',
    models,
    replicas: { min: k8s.replicas.min, max: k8s.replicas.max, canary: model.deploy.spinnaker.canary.replicas },
    autoscaling: { enabled: k8s.replicas.max > k8s.replicas.min, targetCPUUtilizationPercentage: k8s.targetCpuUtilization },
    resources: k8s.resources,
    podDisruptionBudget: { enabled: k8s.replicas.min > 1, minAvailable: k8s.minAvailable },
    containerPort: model.server.port,
    service: { type: 'ClusterIP', port: 80 },
    ingress: { enabled: false, className: '', annotations: {}, hosts: [], tls: [] },
    serviceMonitor: { enabled: k8s.serviceMonitor, interval: '30s', scrapeTimeout: '10s', honorLabels: false, labels: {} },
    networkPolicy: { enabled: k8s.networkPolicy, prometheus: structuredClone(PROMETHEUS_PEER), additionalFrom: [] },
    auth: authValues(model),
    shutdown: {
      preStopAction: 'auto',
      preStopSeconds: PRESTOP_SECONDS,
      drainSeconds: Math.ceil(model.server.shutdownGraceMs / 1000),
    },
    probes: structuredClone(PROBES),
    runtime: { ortThreads: '', inferenceThread: '', inferenceNice: '', logLevel: '' },
    ...securityContexts(),
    serviceAccount: { create: true, automount: false, annotations: {}, name: '' },
    nameOverride: '',
    fullnameOverride: '',
    imagePullSecrets: [],
    podLabels: {},
    podAnnotations: {},
    nodeSelector: {},
    tolerations: [],
    affinity: {},
  };
}

/** One comment per top-level key, so reviewers and operators see what each knob does. */
const COMMENTS: Record<string, string[]> = {
  track: [
    'stable | canary | baseline | shared. stable renders every object; canary and baseline only a',
    'Deployment <name>-<track> (replicas.canary pods) that runs beside stable behind the same Service;',
    'shared only what every track relies on (ServiceAccount, Service, ServiceMonitor, Ingress), which',
    'the deploy pipeline applies before the canary and baseline.',
  ],
  image: [
    'tag: set per bake by the pipelines: the full git SHA of the commit the image was built from (CI',
    'tags every build `git rev-parse HEAD`). The rollback pipeline also reads the chart at that',
    'commit, so the tag must stay a commit SHA. Empty = the chart appVersion.',
  ],
  revision: ['Git SHA of the service code; set by the pipelines. Becomes MLSERVICE_REVISION and a pod label.'],
  models: [
    'Version and MLflow run id of each model baked into the image (models.lock.json), set per bake',
    'from the CI trigger. Empty = the pods make no model claim (the image labels and /metadata still do).',
  ],
  replicas: ['min/max: stable (HPA bounds); canary: pods per canary or baseline Deployment.'],
  autoscaling: ['HorizontalPodAutoscaler (autoscaling/v2) on average CPU, stable track only.'],
  resources: ['Container requests and limits (from deploy.kubernetes.resources).'],
  podDisruptionBudget: ['Stable track only; on when more than one replica runs.'],
  containerPort: ['Port the service listens on (server.port); passed as PORT.'],
  service: ['ClusterIP Service selecting every track (rendered with the shared objects).'],
  ingress: [
    'Optional Ingress to the Service (networking.k8s.io/v1), rendered with the shared objects.',
    'hosts: [{host: api.example.com, paths: [{path: /, pathType: Prefix}]}]; tls: [{secretName, hosts}].',
  ],
  serviceMonitor: [
    'prometheus-operator ServiceMonitor (rendered with the shared objects); the canary analysis reads',
    "what it scrapes. Prometheus adds namespace, service, pod, container, endpoint and the pod's track",
    'to every series; the service exposes none of those labels itself, so honorLabels: false (the',
    'operator default) loses nothing. labels: e.g. {release: kube-prometheus-stack}.',
  ],
  networkPolicy: [
    'NetworkPolicy (networking.k8s.io/v1, rendered with the shared objects; deploy.kubernetes.networkPolicy):',
    'the pods then accept connections on their port only from pods of this namespace, the Prometheus',
    'selected by prometheus.namespaceSelector AND prometheus.podSelector, and each NetworkPolicyPeer in',
    'additionalFrom (e.g. {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}',
    'when the Ingress is on). Kubelet probes come from the node and are always admitted.',
  ],
  auth: [
    'server.auth of mlservice.yaml (change it there): the pods read the token of the prediction',
    'endpoints from key secretKey of Secret secretName (MLSERVICE_AUTH_TOKEN). Create the Secret before',
    'the first deploy, e.g. kubectl -n <namespace> create secret generic <secretName>',
    '--from-literal=<secretKey>=$(openssl rand -hex 32). Without it the new pods do not start and the',
    'rollout stops (maxUnavailable 0 keeps the old pods). After changing the token, restart the pods.',
  ],
  shutdown: ['preStopAction: auto | sleep | exec. auto uses the sleep handler on Kubernetes >= 1.30.', 'terminationGracePeriodSeconds = preStopSeconds + drainSeconds (server.shutdownGraceMs) + 5.'],
  probes: ['Timings of the startup (/readyz), readiness (/readyz) and liveness (/livez) probes. The startup', 'probe allows failureThreshold x periodSeconds for the models to load.'],
  runtime: [
    'Runtime tuning, passed as environment variables; empty = the runtime default.',
    'ortThreads -> MLSERVICE_ORT_THREADS: onnxruntime intra-op threads per model (default 2; e.g. the CPU request).',
    'inferenceThread -> MLSERVICE_INFERENCE_THREAD: auto (default: per model, a worker thread when a full batch',
    'takes over 5 ms, else the event-loop thread) | main (lowest latency) | worker (throughput at high concurrency).',
    'inferenceNice -> MLSERVICE_INFERENCE_NICE: nice value 0-19 of the inference worker threads (default 5), so',
    'the event loop takes a shared core first and refusals and probes do not wait on a batch; 0 where callers',
    'retry without backing off (a refusal storm then leaves inference more of the core).',
    'logLevel -> LOG_LEVEL: fatal | error | warn | info (default) | debug | trace | silent.',
  ],
  podSecurityContext: ['Pod security context; the default meets the restricted Pod Security Standard.'],
  securityContext: ['Container security context; the default meets the restricted Pod Security Standard.'],
  serviceAccount: [
    'Created with the shared objects. annotations: e.g. {eks.amazonaws.com/role-arn: ...} (IRSA) so',
    'the pods get AWS credentials (S3, ...). automount: mount its Kubernetes API token into the pods',
    '(off: the service never calls the Kubernetes API).',
  ],
  nameOverride: ['Replaces the chart name in object names and the app.kubernetes.io/name label.'],
  fullnameOverride: ['Replaces the base name of every object. The generated pipelines and canary config use the', 'default names: set these only where you install the chart yourself.'],
};

/** values.yaml text: the generated header, then each top-level key with its comment. */
export function valuesYaml(model: ServiceModel): string {
  const values = chartValues(model);
  const header = [GENERATED_MARKER, `Values of the ${model.service.name} chart. Override with --set / -f; never edit here.`];
  const sections = Object.entries(values).map(([key, value]) => {
    const comment = (COMMENTS[key] ?? []).map((line) => `# ${line}\n`).join('');
    return comment + toYaml({ [key]: value });
  });
  return `${header.map((l) => `# ${l}\n`).join('')}\n${sections.join('\n')}`;
}
