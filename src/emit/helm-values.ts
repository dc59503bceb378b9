/**
 * The chart's `values.yaml`: every setting the verbatim templates in `templates/helm/` read,
 * defaulted from the config. CI and Spinnaker override `track`, `image.tag`, `revision` and
 * `models.<name>.*` per bake; everything else changes by editing mlservice.yaml and syncing.
 * Model identity has no default: pods claim a model version only when the bake was told it.
 */
import type { ServiceModel } from '../config/model.js';
import { toYaml } from './openapi-yaml.js';
import { GENERATED_MARKER } from './types.js';

/** Seconds the pod keeps serving after it is marked terminating, while endpoints drop it. */
export const PRESTOP_SECONDS = 5;
/** 5 s probes: this many failures lets a model load for five minutes before the pod restarts. */
export const STARTUP_FAILURE_THRESHOLD = 60;

export type ModelValues = { version: string; runId: string };

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
    serviceMonitor: { enabled: k8s.serviceMonitor, interval: '30s', scrapeTimeout: '10s', labels: {} },
    shutdown: {
      preStopAction: 'auto',
      preStopSeconds: PRESTOP_SECONDS,
      drainSeconds: Math.ceil(model.server.shutdownGraceMs / 1000),
    },
    probes: { startupFailureThreshold: STARTUP_FAILURE_THRESHOLD },
    runtime: { ortThreads: '', inferenceThread: '', logLevel: '' },
    serviceAccount: { create: true, name: '' },
    nameOverride: '',
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
    'stable | canary | baseline. canary and baseline render only a Deployment named',
    '<name>-<track> (replicas.canary pods) that runs beside stable behind the same Service.',
  ],
  image: ['tag: set by CI/Spinnaker (e.g. <git sha7>-m<model version>); empty = the chart appVersion.'],
  revision: ['Git SHA of the service code; set by CI. Becomes MLSERVICE_REVISION and a pod label.'],
  models: [
    'Version and MLflow run id of each model baked into the image (models.lock.json), set per bake',
    'from the CI trigger. Empty = the pods make no model claim (the image labels and /metadata still do).',
  ],
  replicas: ['min/max: stable (HPA bounds); canary: pods per canary or baseline Deployment.'],
  autoscaling: ['HorizontalPodAutoscaler (autoscaling/v2) on average CPU, stable track only.'],
  resources: ['Container requests and limits (from deploy.kubernetes.resources).'],
  podDisruptionBudget: ['Stable track only; on when more than one replica runs.'],
  containerPort: ['Port the service listens on (server.port); passed as PORT.'],
  service: ['ClusterIP Service selecting every track (stable only).'],
  serviceMonitor: ['prometheus-operator ServiceMonitor (stable only); labels: e.g. {release: kube-prometheus-stack}.'],
  shutdown: [
    'preStopAction: auto | sleep | exec. auto uses the sleep handler on Kubernetes >= 1.30.',
    'terminationGracePeriodSeconds = preStopSeconds + drainSeconds (server.shutdownGraceMs) + 5.',
  ],
  probes: ['startupProbe allows startupFailureThreshold x 5 s for the models to load.'],
  runtime: [
    'Runtime tuning, passed as environment variables; empty = the runtime default.',
    'ortThreads -> MLSERVICE_ORT_THREADS: onnxruntime intra-op threads per model (default 2; e.g. the CPU request).',
    'inferenceThread -> MLSERVICE_INFERENCE_THREAD: main (default, lowest latency) | worker (throughput at high concurrency).',
    'logLevel -> LOG_LEVEL: fatal | error | warn | info (default) | debug | trace | silent.',
  ],
  serviceAccount: ['Created by the stable track; the pods never mount its token.'],
  nameOverride: ['Base name of every object; default: the chart name (the service name).'],
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
