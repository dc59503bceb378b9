import { EXIT, type ExitCode } from './exit-codes.js';

// The exit code table lives in exit-codes.ts; most callers that throw a DiagnosticError want it too.
export { EXIT, type ExitCode };

/**
 * A user-facing problem with a stable code, a location and a fix. Rendered as
 * `mlservice.yaml:14:7 error CONFIG.UNKNOWN_KEY unknown key "replica" in deploy.kubernetes`
 * followed by `  fix: did you mean "replicas"?`.
 */
export interface Diagnostic {
  code: string;
  severity: 'error' | 'warning';
  message: string;
  fix?: string;
  /** Path as the user would type it (relative to the cwd where possible). */
  file: string;
  /** 1-based; 0 when the problem has no position in the file (e.g. a missing file). */
  line: number;
  col: number;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  const head = `${where} ${d.severity} ${d.code} ${d.message}`;
  return d.fix ? `${head}\n  fix: ${d.fix}` : head;
}

/** Thrown when a step cannot go on; carries every diagnostic found, not only the first. */
export class DiagnosticError extends Error {
  constructor(
    readonly diagnostics: Diagnostic[],
    readonly exitCode: ExitCode = EXIT.invalidConfig,
  ) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'DiagnosticError';
  }
}
