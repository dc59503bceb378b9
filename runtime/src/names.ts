/**
 * Names other outputs depend on: the Helm chart sets these environment variables, the Kayenta
 * canary config queries these metrics, the Dockerfile's HEALTHCHECK probes these paths. Tests in
 * the generator cross-check its outputs against this file, so a rename breaks a test, not a canary.
 */

export const ENV = {
  /** Git SHA of the service code (image build arg -> env). */
  revision: 'MLSERVICE_REVISION',
  /** Directory with one folder per model (default `./models`). */
  modelsDir: 'MLSERVICE_MODELS_DIR',
  /** Path of `models.lock.json` (default `./models.lock.json`). */
  modelsLock: 'MLSERVICE_MODELS_LOCK',
  /** onnxruntime intra-op threads per model session; overrides MLmodel (default 2, 0 = one per core). */
  ortThreads: 'MLSERVICE_ORT_THREADS',
  /** `auto` (default): per model, `worker` when a full batch takes over 5 ms, else `main`; `main`: onnxruntime on the event-loop thread; `worker`: each model's session on a thread of its own. */
  inferenceThread: 'MLSERVICE_INFERENCE_THREAD',
  /** Nice value (0-19, default 5) of each inference worker thread, so the event loop takes a shared core first. */
  inferenceNice: 'MLSERVICE_INFERENCE_NICE',
  /** onnxruntime's own opt-out of its telemetry; the runtime sets it to 1 unless the deployment set it (session-host.ts). */
  ortTelemetryOff: 'ORT_DISABLE_TELEMETRY',
  /** The token of the prediction routes when `server.auth` is on (the chart sets it from a Kubernetes Secret). */
  authToken: 'MLSERVICE_AUTH_TOKEN',
  port: 'PORT',
  logLevel: 'LOG_LEVEL',
} as const;

export const PATHS = {
  live: '/livez',
  ready: '/readyz',
  metrics: '/metrics',
  metadata: '/metadata',
  openapi: '/openapi.json',
  docs: '/docs',
} as const;

/**
 * Where a generated `openapi.yaml` refers to this package's document (the operational routes, the
 * Problem schema, the shared error answers), relative to the project root as Redocly, Spectral and
 * openapi-typescript resolve it. The runtime recognises any path ending in
 * `@mlservice/runtime/openapi.yaml` when it serves the document.
 */
export const OPENAPI_OPERATIONS_REF = './node_modules/@mlservice/runtime/openapi.yaml';

/** Response header naming the A/B variant (or `default`) that served a request. */
export const VARIANT_HEADER = 'x-mlservice-variant';

/**
 * Labels Prometheus sets on every series of a target at scrape time, as prometheus-operator
 * configures it for a ServiceMonitor (pkg/prometheus/promcfg.go generateServiceMonitorConfig):
 * `job`, `instance`, `namespace`, `service`, `pod`, `container`, `endpoint` (the Service port
 * name) and `node`, plus every `podTargetLabels` entry of the chart's ServiceMonitor (`track`).
 * An exposed label of the same name is renamed `exported_<name>` (honor_labels: false), so a
 * query on it finds nothing. The runtime therefore exposes none of them, nor anything that looks
 * like a relabelling leftover: see `LabelName` below.
 */
export const SCRAPE_TARGET_LABELS = ['job', 'instance', 'namespace', 'service', 'pod', 'container', 'endpoint', 'node'] as const;
/** Pod labels the chart's ServiceMonitor copies onto every series (`podTargetLabels`). */
export const POD_TARGET_LABELS = ['track'] as const;

type Reserved = (typeof SCRAPE_TARGET_LABELS)[number] | (typeof POD_TARGET_LABELS)[number] | `exported_${string}` | `__${string}`;
/** A label name the runtime may expose: never one Prometheus sets or renames at scrape time. */
export type LabelName<T extends string> = T extends Reserved ? never : T;

/**
 * Every label the runtime's own metrics carry. Identity of the deployment (service, namespace,
 * pod, track) comes from the scrape, never from the process: Prometheus' rule "target labels,
 * not static scraped labels" (https://prometheus.io/docs/instrumenting/writing_exporters/#target-labels-not-static-scraped-labels).
 */
export const LABELS = {
  /** The mlservice.yaml endpoint name (`rank`); not `endpoint`, which is the scrape port's name. */
  apiEndpoint: 'api_endpoint',
  variant: 'variant',
  status: 'status',
  model: 'model',
  reason: 'reason',
  version: 'version',
  revision: 'revision',
  source: 'source',
  runId: 'run_id',
  sha256: 'sha256',
} as const;

/** The keys of `T` whose label name is reserved; `never` when none is. */
type ReservedKeys<T extends Record<string, string>> = { [K in keyof T]: T[K] extends LabelName<T[K]> ? never : K }[keyof T];
// Compile-time guard: a reserved name in LABELS makes this line fail, naming the offending key.
true satisfies [ReservedKeys<typeof LABELS>] extends [never] ? true : ReservedKeys<typeof LABELS>;

/**
 * Prometheus metrics the runtime exports, with their labels (names from LABELS). The canary
 * queries select a service's series by the scrape's target labels (`namespace`, `service`,
 * `track`) and the runtime's `api_endpoint` and `variant`.
 */
export const METRICS = {
  /** counter {api_endpoint, variant, status} */
  requests: 'mlservice_requests_total',
  /** histogram seconds {api_endpoint, variant} */
  requestDuration: 'mlservice_request_duration_seconds',
  /** histogram rows per model call {model} */
  batchSize: 'mlservice_batch_size',
  /** histogram seconds from arrival to batch start {model} */
  queueWait: 'mlservice_queue_wait_seconds',
  /** histogram seconds from handing a batch to the model to its outputs (onnxruntime run + thread wait) {model} */
  inferenceDuration: 'mlservice_inference_duration_seconds',
  /** gauge seconds per row of the fitted batch cost (a in a*n+b), read at scrape time {model} */
  batchCostPerRow: 'mlservice_batch_cost_per_row_seconds',
  /** gauge seconds of fixed cost per batch of the fitted batch cost (b in a*n+b) {model} */
  batchCostFixed: 'mlservice_batch_cost_fixed_seconds',
  /** gauge seconds: spread of batches' overruns of the fitted cost, the margin's unit {model} */
  batchCostOverrun: 'mlservice_batch_cost_overrun_seconds',
  /** gauge seconds a request arriving at scrape time is predicted to wait before its batch starts {model} */
  predictedQueueWait: 'mlservice_predicted_queue_wait_seconds',
  /** counter {api_endpoint, reason: queue_full | queue_budget | queue_expired | shutting_down | not_ready | model_failed | client_gone} */
  shed: 'mlservice_shed_requests_total',
  /** histogram of the first element of each row of the model's first output {api_endpoint, variant} */
  predictionScore: 'mlservice_prediction_score',
  /** gauge = 1 {version, revision} */
  buildInfo: 'mlservice_build_info',
  /** gauge = 1 {model, source, version, run_id, sha256} */
  modelInfo: 'mlservice_model_info',
} as const;
