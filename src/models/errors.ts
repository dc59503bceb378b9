/**
 * Errors of `mlgen models pull` / `mlgen models verify`. Every one carries a stable code and a
 * fix, and is a `DiagnosticError`, so the CLI prints it like any config problem and exits with its code.
 * Messages never contain credentials: request headers are never echoed, server bodies are trimmed.
 */
import { DiagnosticError, EXIT, type Diagnostic } from '../diagnostics.js';

/**
 * Every code `mlgen models pull` and `mlgen models verify` can report, with what it means
 * (same shape as `CONFIG_CODES` in src/config/codes.ts, so docs/errors.md can list both).
 */
export const MODELS_CATALOGUE = {
  'MODELS.NO_TRACKING_URI': 'MLFLOW_TRACKING_URI is unset but a `models:/` source needs the registry.',
  'MODELS.UNSUPPORTED_REGISTRY': 'Tracking/registry URI scheme the builder cannot talk to (databricks, databricks-uc, file, sqlite ...).',
  'MODELS.AUTH': 'The server answered 401 or 403.',
  'MODELS.NOT_FOUND': 'Registered model, version or alias does not exist (404 RESOURCE_DOES_NOT_EXIST).',
  'MODELS.NOT_READY': "The version's status is PENDING_REGISTRATION or FAILED_REGISTRATION.",
  'MODELS.UNSUPPORTED_STORE': 'The artifacts live in a store only reachable with cloud credentials (s3, gs, dbfs ...).',
  'MODELS.HTTP': 'Any other failed HTTP exchange (after retries), including network errors and timeouts.',
  'MODELS.BAD_RESPONSE': 'The server answered something that is not the documented JSON shape.',
  'MODELS.INCOMPLETE': "A downloaded file's size differs from the listing or the Content-Length.",
  'MODELS.UNSAFE_PATH': 'An artifact path from the server would escape the model directory.',
  'MODELS.BAD_SOURCE': 'A local or https source is not an `.onnx` file or an MLflow model directory.',
  'MODELS.UNKNOWN_MODEL': '`--only` names a model that mlservice.yaml does not have.',
  'MODELS.LOCK_INVALID': '`models.lock.json` is not valid JSON of the expected shape.',
  'MODELS.LOCK_MISSING': '`mlgen models verify` or `models pull --locked`: there is no `models.lock.json`.',
  'MODELS.NOT_LOCKED': '`mlgen models verify` or `models pull --locked`: a configured model has no lock entry, or its source changed since the pull.',
  'MODELS.LOCK_MISMATCH': '`models pull --locked`: the fetched files of a model do not hash to the sha256s in `models.lock.json`; nothing is installed.',
  'MODELS.MODIFIED': '`mlgen models verify`: files under `models/<name>/` differ from the lock (missing, extra or changed).',
  'MODELS.STALE_LOCK_ENTRY': '`mlgen models verify`: the lock names a model the config no longer has (warning).',
} as const;

export type ModelsCode = keyof typeof MODELS_CATALOGUE;

/**
 * A models error carries a MODELS.* code, or the runtime's MODEL.* code when a model folder breaks
 * the rules the service loads it by (one reader for all: `@mlservice/runtime/model-files`).
 */
export type ModelsErrorCode = ModelsCode | `MODEL.${string}`;

/** The codes by short name, for use in code (`MODELS_CODES.NOT_READY`). */
export const MODELS_CODES = {
  NO_TRACKING_URI: 'MODELS.NO_TRACKING_URI',
  UNSUPPORTED_REGISTRY: 'MODELS.UNSUPPORTED_REGISTRY',
  AUTH: 'MODELS.AUTH',
  NOT_FOUND: 'MODELS.NOT_FOUND',
  NOT_READY: 'MODELS.NOT_READY',
  UNSUPPORTED_STORE: 'MODELS.UNSUPPORTED_STORE',
  HTTP: 'MODELS.HTTP',
  BAD_RESPONSE: 'MODELS.BAD_RESPONSE',
  INCOMPLETE: 'MODELS.INCOMPLETE',
  UNSAFE_PATH: 'MODELS.UNSAFE_PATH',
  BAD_SOURCE: 'MODELS.BAD_SOURCE',
  UNKNOWN_MODEL: 'MODELS.UNKNOWN_MODEL',
  LOCK_INVALID: 'MODELS.LOCK_INVALID',
  LOCK_MISSING: 'MODELS.LOCK_MISSING',
  NOT_LOCKED: 'MODELS.NOT_LOCKED',
  LOCK_MISMATCH: 'MODELS.LOCK_MISMATCH',
  MODIFIED: 'MODELS.MODIFIED',
  STALE_LOCK_ENTRY: 'MODELS.STALE_LOCK_ENTRY',
} as const satisfies Record<string, ModelsCode>;

/** Codes that describe the user's inputs (config, local files) rather than a remote service. */
const INPUT_CODES: ReadonlySet<string> = new Set([
  MODELS_CODES.BAD_SOURCE,
  MODELS_CODES.UNKNOWN_MODEL,
  MODELS_CODES.LOCK_INVALID,
  MODELS_CODES.LOCK_MISSING,
  MODELS_CODES.NOT_LOCKED,
  MODELS_CODES.LOCK_MISMATCH,
  MODELS_CODES.UNSUPPORTED_REGISTRY,
  MODELS_CODES.NO_TRACKING_URI,
]);

/** A single models problem; `file` is what the user should look at (the config or the lock). */
export class ModelsError extends DiagnosticError {
  /** MLflow's `error_code` when the error came from a server answer (e.g. `RESOURCE_DOES_NOT_EXIST`). */
  serverCode?: string;

  constructor(
    readonly code: ModelsErrorCode,
    message: string,
    fix: string,
    file = 'mlservice.yaml',
    at: { line: number; col: number } = { line: 0, col: 0 },
  ) {
    const d: Diagnostic = { code, severity: 'error', message, fix, file, ...at };
    // A model folder that breaks the loading rules is the user's input, like a bad config.
    super([d], INPUT_CODES.has(code) || code.startsWith('MODEL.') ? EXIT.invalidConfig : EXIT.unavailable);
    this.name = 'ModelsError';
  }
}

/** Trims a server-provided text for a message: one line, no control characters, bounded. */
export function excerpt(text: string, max = 300): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
