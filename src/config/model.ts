/**
 * The normalized, fully defaulted description of one service: what `normalize()` returns and what
 * every emitter consumes. Emitters never look at the raw YAML; they read only this.
 *
 * Rules that make emitted bytes deterministic:
 * - arrays keep the order the user wrote (models, endpoints, variants, input properties);
 * - every optional setting has its default applied here, so emitters never invent defaults;
 * - JSON Schemas embedded from the config (`input`, `output`) are re-serialized with keys in a
 *   canonical order by `normalize()`, so YAML key order never reaches the output.
 */

/** A JSON Schema (draft 2020-12 subset) as written by the user for request/response bodies. */
export type JsonSchema = { [key: string]: unknown };

export interface ServiceModel {
  apiVersion: 'mlservice/v1';
  service: ServiceMeta;
  models: ModelSpec[];
  endpoints: EndpointSpec[];
  server: ServerSpec;
  deploy: DeploySpec;
}

export interface ServiceMeta {
  /** DNS-1123 label: lowercase alphanumerics and '-', at most 63 characters (53 to leave room for Helm suffixes). */
  name: string;
  /** One line; shown in OpenAPI `info.description`, the chart and the image labels. */
  description: string;
  /** Owning team. */
  owner: string;
  contact?: { name?: string; email?: string; url?: string };
  /** OpenAPI `info.license`: an SPDX `identifier` or a `url`, never both. */
  license?: { name: string; identifier?: string; url?: string };
  /** Semantic version of the service API (OpenAPI `info.version`, image label). Default `0.1.0`. */
  version: string;
}

export type ModelSource =
  /** `models:/<name>/<version>` */
  | { kind: 'registry-version'; uri: string; registeredModel: string; version: string }
  /** `models:/<name>@<alias>` */
  | { kind: 'registry-alias'; uri: string; registeredModel: string; alias: string }
  /** `models:/<name>/latest` */
  | { kind: 'registry-latest'; uri: string; registeredModel: string }
  /** A path relative to the project root: an `.onnx` file or an MLflow model directory. */
  | { kind: 'local'; uri: string; path: string }
  /** An https URL of an `.onnx` file. */
  | { kind: 'https'; uri: string; url: string };

export interface ModelSpec {
  /** DNS-1123 label, unique among models. Models are pulled into `models/<name>/`. */
  name: string;
  source: ModelSource;
  runtime: 'onnx';
  /** Optional: ONNX output names to request from the session (tensor outputs only). Default: all tensor outputs. */
  outputs?: string[];
  /**
   * Never from the config: set by sync when `models/<name>/` holds the model (its ONNX graph
   * inputs). Only written-once scaffold content (the default hooks) may use it, so generated files
   * never depend on whether the models were pulled.
   */
  inputs?: ModelInput[];
}

export interface ModelInput {
  name: string;
  /** ONNX element type name: `float`, `double`, `int64`, ...; absent for non-tensor inputs. */
  elemType?: string;
  /** Per axis: fixed size, symbolic name, or null; absent when the rank is unknown. */
  dims?: Array<number | string | null>;
}

export interface EndpointSpec {
  /** DNS-1123 label, unique among endpoints; also the OpenAPI operationId base and the hook key. */
  name: string;
  /** HTTP path, unique among endpoints. Default `/v1/<name>`. Method is always POST. */
  path: string;
  description: string;
  /** JSON Schema of one request body. Always `type: object`. */
  input: JsonSchema;
  /** JSON Schema of one response body. Always `type: object`. */
  output: JsonSchema;
  /** Exactly one of `model` and `ab` is set. */
  model?: string;
  ab?: AbSpec;
  batching: BatchingSpec;
  /** Example request bodies (validated against `input`), used in OpenAPI and the smoke test. */
  examples: Record<string, unknown>[];
}

export interface AbSpec {
  experiment: string;
  /** Hash salt. Default: the experiment name. Changing it reshuffles every unit. */
  salt: string;
  /** Name of a top-level input property (string or integer) whose value keeps assignment sticky. */
  unit: string;
  variants: VariantSpec[];
  /**
   * What happens when a request lacks the unit value: `reject` answers 400; otherwise the name of the
   * variant that serves such requests. Default `reject`.
   */
  missingUnit: 'reject' | { variant: string };
  /** QA override header (e.g. `x-mlservice-variant`) that forces a variant; disabled unless set. */
  overrideHeader?: string;
}

export interface VariantSpec {
  name: string;
  model: string;
  /** Percent, integers or decimals with up to two places; the variants' weights sum to 100. */
  weight: number;
  /** Weight in basis points of 10,000 (weight * 100), what the router uses. */
  basisPoints: number;
}

export type BatchingSpec =
  | { enabled: false; maxQueueRows: number; queueBudgetMs: number }
  | {
      enabled: true;
      /** Rows (not requests) per model call. */
      maxBatchSize: number;
      /** Longest time the oldest queued row may wait before its batch is sent. */
      maxLatencyMs: number;
      /** Rows allowed to wait; beyond this requests are shed with 429 + Retry-After. */
      maxQueueRows: number;
      /** Longest a request may wait before its batch starts; beyond it, 503 + Retry-After. */
      queueBudgetMs: number;
    };

export interface ServerSpec {
  port: number;
  /** Largest accepted request body in bytes (413 beyond). */
  bodyLimitBytes: number;
  /** Time allowed for in-flight work to finish after SIGTERM before exit. */
  shutdownGraceMs: number;
  /** Authentication of the prediction endpoints; absent = open. */
  auth?: AuthSpec;
}

export type AuthSpec = { type: 'apiKey' /** Lowercase header name carrying the key. */; header: string; secret: SecretRef } | { type: 'bearer'; secret: SecretRef };

/** Where the chart reads the token from: a key of a Kubernetes Secret in the service's namespace. */
export interface SecretRef {
  name: string;
  key: string;
}

export interface DeploySpec {
  image: {
    registry: string;
    repository: string;
    /** Runtime base image, a current Node LTS slim image by default. */
    base: string;
    /** Build-stage base image; same as `base` by default. */
    buildBase: string;
  };
  kubernetes: {
    namespace: string;
    replicas: { min: number; max: number };
    /** HPA target average CPU utilisation, percent. */
    targetCpuUtilization: number;
    resources: {
      requests: { cpu: string; memory: string };
      limits: { cpu?: string; memory: string };
    };
    /** PodDisruptionBudget `minAvailable` for the stable track. */
    minAvailable: number;
    serviceMonitor: boolean;
    /** Render a NetworkPolicy admitting the namespace and the Prometheus scraper only. */
    networkPolicy: boolean;
  };
  spinnaker: {
    application: string;
    account: string;
    canary: {
      /** ISO-8601 duration, e.g. `PT30M`. */
      lifetime: string;
      /** Analysis interval in minutes. */
      intervalMinutes: number;
      /** Minimum score to pass. */
      pass: number;
      /** Minimum score to continue as marginal. */
      marginal: number;
      /** Replicas of the canary and baseline Deployments. */
      replicas: number;
    };
  };
}
