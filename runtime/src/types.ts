/**
 * The contract between generated code and @mlservice/runtime. Generated `src/generated/service.ts`
 * builds one `ServiceDefinition` and calls `startService()`. Everything here is plain data plus
 * the user's hooks, so the generated code stays thin and a config change gives a small diff.
 */

/** Element data of one row of one model input (the row's slice, batch dimension removed). */
export type RowData = number[] | bigint[] | string[] | boolean[] | Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** One model row: for each ONNX input name, that row's flattened elements (shape = input dims minus the batch dim). */
export type ModelRow = Record<string, RowData>;

/** One row of model output: for each requested ONNX output name, that row's flattened elements. */
export type ModelOutputRow = Record<string, RowData>;

export interface HookContext {
  endpoint: string;
  /** Variant name (`default` for single-model endpoints). */
  variant: string;
  model: { name: string; version: string };
}

/** An ajv validate function: true, or false with `errors` set. */
export interface ValidateFn {
  (data: unknown): boolean;
  errors?: Array<{ instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }> | null;
}

export interface BatchingDefinition {
  enabled: boolean;
  maxBatchSize: number;
  maxLatencyMs: number;
  maxQueueRows: number;
  /** Longest a request may wait before its batch starts (ms); beyond it, 503 + Retry-After. None when absent. */
  queueBudgetMs?: number;
  /** Batches of one model in flight at once while the next one forms (default 1). */
  maxConcurrentBatches?: number;
}

export interface AbDefinition {
  experiment: string;
  salt: string;
  unit: string;
  variants: Array<{ name: string; model: string; basisPoints: number }>;
  missingUnit: 'reject' | { variant: string };
  overrideHeader?: string;
}

export interface EndpointDefinition<I = unknown, O = unknown> {
  name: string;
  path: string;
  /**
   * Validates the request body. Generated services leave it out: the runtime compiles it at
   * start-up from the request schema of `POST <path>` in the OpenAPI document it serves
   * (request-validators.ts). Services generated before that pass ajv standalone code here.
   */
  validate?: ValidateFn;
  /** Exactly one of `model` and `ab`. */
  model?: string;
  ab?: AbDefinition;
  batching: BatchingDefinition;
  /** Request instance -> one or more model rows (a ranking request gives one row per candidate). */
  preprocess(input: I, ctx: HookContext): ModelRow[] | Promise<ModelRow[]>;
  /** Model output rows (same order as the preprocessed rows) -> response body. */
  postprocess(outputs: ModelOutputRow[], input: I, ctx: HookContext): O | Promise<O>;
}

export interface ModelDefinition {
  name: string;
  /** The source URI from mlservice.yaml (identity only; the runtime loads from `modelsDir`). */
  source: string;
  /** Tensor outputs to request; all tensor outputs when absent. */
  outputs?: string[];
}

/**
 * Authentication of the prediction routes (`server.auth` of mlservice.yaml). The token itself is
 * never part of the definition: it comes from `MLSERVICE_AUTH_TOKEN` at start-up.
 */
export type AuthDefinition = { type: 'apiKey' /** Lowercase header name. */; header: string } | { type: 'bearer' };

export interface ServiceDefinition {
  service: { name: string; version: string; description: string };
  models: ModelDefinition[];
  endpoints: EndpointDefinition[];
  server: { port: number; bodyLimitBytes: number; shutdownGraceMs: number; auth?: AuthDefinition };
  /**
   * The project's OpenAPI document: the URL or path of its `openapi.yaml` (or the document itself).
   * Served at /openapi.json and by the docs page with its references into this package's
   * `openapi.yaml` (the operational routes and shared answers) resolved.
   */
  openapi: URL | string | Record<string, unknown>;
}

export interface StartOptions {
  /** Directory holding `<model name>/` folders (MLflow layout or a single .onnx) and `models.lock.json`'s data. Default `$MLSERVICE_MODELS_DIR` or `./models`. */
  modelsDir?: string;
  /** Default `$PORT` or the definition's port. */
  port?: number;
  /** Default `0.0.0.0`. */
  host?: string;
  /** Install SIGTERM/SIGINT handlers (default true). */
  handleSignals?: boolean;
}

/**
 * `models.lock.json`, written by `mlgen models pull` at the project root and copied into the image.
 * Keys sorted, no timestamps.
 */
export interface ModelsLock {
  lockVersion: 1;
  models: Record<string, LockedModel>;
}

export interface LockedModel {
  /** The source URI from mlservice.yaml. */
  source: string;
  /** Registry identity; null for local paths and https URLs. */
  registry: null | {
    registeredModel: string;
    version: string;
    runId: string;
    /** Set when the source named an alias. */
    alias?: string;
  };
  /** Every file under `models/<name>/`, sorted by path. */
  files: Array<{ path: string; sha256: string; size: number }>;
  /** sha256 over the lines `<path>\0<sha256>\n` of `files`, in order: one digest per model. */
  sha256: string;
}
