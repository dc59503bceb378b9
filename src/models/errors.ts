/**
 * Errors of `mlgen models pull` / `mlgen check` (models part). Every one carries a stable code and a
 * fix, and is a `DiagnosticError`, so the CLI prints it like any config problem and exits with its code.
 * Messages never contain credentials: request headers are never echoed, server bodies are trimmed.
 */
import { DiagnosticError, EXIT, type Diagnostic } from '../diagnostics.js';

/** sysexits EX_UNAVAILABLE: a service the command needs (registry, artifact store) failed. */
export const EXIT_UNAVAILABLE = 69;

export const MODELS_CODES = {
  /** MLFLOW_TRACKING_URI is unset but a `models:/` source needs the registry. */
  NO_TRACKING_URI: 'MODELS.NO_TRACKING_URI',
  /** Tracking/registry URI scheme the builder cannot talk to (databricks, databricks-uc, file, sqlite ...). */
  UNSUPPORTED_REGISTRY: 'MODELS.UNSUPPORTED_REGISTRY',
  /** The server answered 401 or 403. */
  AUTH: 'MODELS.AUTH',
  /** Registered model, version or alias does not exist (404 RESOURCE_DOES_NOT_EXIST). */
  NOT_FOUND: 'MODELS.NOT_FOUND',
  /** The version's status is PENDING_REGISTRATION or FAILED_REGISTRATION. */
  NOT_READY: 'MODELS.NOT_READY',
  /** The artifacts live in a store only reachable with cloud credentials (s3, gs, dbfs ...). */
  UNSUPPORTED_STORE: 'MODELS.UNSUPPORTED_STORE',
  /** Any other failed HTTP exchange (after retries), including network errors and timeouts. */
  HTTP: 'MODELS.HTTP',
  /** The server answered something that is not the documented JSON shape. */
  BAD_RESPONSE: 'MODELS.BAD_RESPONSE',
  /** A downloaded file's size differs from the listing or the Content-Length. */
  INCOMPLETE: 'MODELS.INCOMPLETE',
  /** An artifact path from the server would escape the model directory. */
  UNSAFE_PATH: 'MODELS.UNSAFE_PATH',
  /** The model directory has no `MLmodel` with an `onnx` flavor, or its data file is missing. */
  NO_ONNX_FLAVOR: 'MODELS.NO_ONNX_FLAVOR',
  /** A local or https source is not an `.onnx` file or an MLflow model directory. */
  BAD_SOURCE: 'MODELS.BAD_SOURCE',
  /** `--only` names a model that mlservice.yaml does not have. */
  UNKNOWN_MODEL: 'MODELS.UNKNOWN_MODEL',
  /** `models.lock.json` is not valid JSON of the expected shape. */
  LOCK_INVALID: 'MODELS.LOCK_INVALID',
  /** `mlgen check`: there is no `models.lock.json`. */
  LOCK_MISSING: 'MODELS.LOCK_MISSING',
  /** `mlgen check`: a configured model has no lock entry, or its source changed since the pull. */
  NOT_LOCKED: 'MODELS.NOT_LOCKED',
  /** `mlgen check`: files under `models/<name>/` differ from the lock (missing, extra or changed). */
  MODIFIED: 'MODELS.MODIFIED',
  /** `mlgen check`: the lock names a model the config no longer has (warning). */
  STALE_LOCK_ENTRY: 'MODELS.STALE_LOCK_ENTRY',
} as const;

export type ModelsCode = (typeof MODELS_CODES)[keyof typeof MODELS_CODES];

/** Codes that describe the user's inputs (config, local files) rather than a remote service. */
const INPUT_CODES: ReadonlySet<string> = new Set([
  MODELS_CODES.NO_ONNX_FLAVOR,
  MODELS_CODES.BAD_SOURCE,
  MODELS_CODES.UNKNOWN_MODEL,
  MODELS_CODES.LOCK_INVALID,
  MODELS_CODES.UNSUPPORTED_REGISTRY,
  MODELS_CODES.NO_TRACKING_URI,
]);

/** A single models problem; `file` is what the user should look at (the config or the lock). */
export class ModelsError extends DiagnosticError {
  /** MLflow's `error_code` when the error came from a server answer (e.g. `RESOURCE_DOES_NOT_EXIST`). */
  serverCode?: string;

  constructor(
    readonly code: ModelsCode,
    message: string,
    fix: string,
    file = 'mlservice.yaml',
  ) {
    const d: Diagnostic = { code, severity: 'error', message, fix, file, line: 0, col: 0 };
    super([d], INPUT_CODES.has(code) ? EXIT.invalidConfig : EXIT_UNAVAILABLE);
    this.name = 'ModelsError';
  }
}

/** Trims a server-provided text for a message: one line, no control characters, bounded. */
export function excerpt(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
