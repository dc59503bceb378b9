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
  /** `stable`, `canary` or `baseline`; added as the `track` label to every metric. */
  track: 'MLSERVICE_TRACK',
  /** onnxruntime intra-op threads per model session; overrides MLmodel (default 2, 0 = one per core). */
  ortThreads: 'MLSERVICE_ORT_THREADS',
  /** `main` (default): onnxruntime runs on the event-loop thread; `worker`: each model's session on a thread of its own. */
  inferenceThread: 'MLSERVICE_INFERENCE_THREAD',
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

/** Response header naming the A/B variant (or `default`) that served a request. */
export const VARIANT_HEADER = 'x-mlservice-variant';

/**
 * Prometheus metrics the runtime exports. Every series also carries two default labels:
 * `service` (the service name from mlservice.yaml) and `track` (from MLSERVICE_TRACK, default
 * `stable`). The canary queries select on `service` and `track`. Scraped through the chart's
 * ServiceMonitor, Prometheus renames them `exported_service` / `exported_track` and sets its own
 * target labels of the same names (the Kubernetes Service name, which is the service name, and the
 * pod's `track` label), so the same selector holds with or without it.
 */
export const METRICS = {
  /** counter {endpoint, variant, status} */
  requests: 'mlservice_requests_total',
  /** histogram seconds {endpoint, variant} */
  requestDuration: 'mlservice_request_duration_seconds',
  /** histogram rows per model call {model} */
  batchSize: 'mlservice_batch_size',
  /** histogram seconds from arrival to batch start {model} */
  queueWait: 'mlservice_queue_wait_seconds',
  /** histogram seconds from handing a batch to the model to its outputs (onnxruntime run + thread wait) {model} */
  inferenceDuration: 'mlservice_inference_duration_seconds',
  /** counter {endpoint, reason: queue_full | shutting_down | not_ready | client_gone} */
  shed: 'mlservice_shed_requests_total',
  /** histogram of the first element of each row of the model's first output {endpoint, variant} */
  predictionScore: 'mlservice_prediction_score',
  /** gauge = 1 {service, version, revision} */
  buildInfo: 'mlservice_build_info',
  /** gauge = 1 {model, source, version, run_id, sha256} */
  modelInfo: 'mlservice_model_info',
} as const;
