/**
 * Errors of `mlgen spinnaker install`. Same shape as the other catalogues; `docs/errors.md` lists
 * them and `test/config/codes.test.ts` keeps both in step.
 */
import { DiagnosticError, EXIT, type Diagnostic, type ExitCode } from '../diagnostics.js';

export const SPINNAKER_CATALOGUE = {
  'SPINNAKER.NO_GATE': 'No Spinnaker gate URL: neither `--gate` nor `SPINNAKER_GATE_URL` is set (exit 64).',
  'SPINNAKER.FILE_INVALID': 'A file of `deploy/spinnaker/` is missing, is not JSON, or lacks `id`, `name` or `application`; nothing is saved (exit 65).',
  'SPINNAKER.UNREACHABLE': 'Gate (or Kayenta) could not be reached: connection refused, DNS failure or timeout (exit 69).',
  'SPINNAKER.AUTH': 'Gate (or Kayenta) answered 401 or 403 (exit 69).',
  'SPINNAKER.REJECTED': "Spinnaker refused to save a pipeline or canary config (front50 or Kayenta validation, e.g. a duplicate name); the message is the server's (exit 69).",
  'SPINNAKER.HTTP': 'Any other failed exchange: a 5xx, or an answer that is not the documented JSON (exit 69).',
} as const;

export type SpinnakerCode = keyof typeof SPINNAKER_CATALOGUE;

/** One install problem; `file` is the local file or the URL it concerns. */
export class SpinnakerError extends DiagnosticError {
  constructor(
    readonly code: SpinnakerCode,
    message: string,
    fix: string,
    file: string,
    // A failed or refusing service, unless the caller says otherwise (a missing gate URL is usage).
    exitCode: ExitCode = EXIT.unavailable,
  ) {
    const d: Diagnostic = { code, severity: 'error', message, fix, file, line: 0, col: 0 };
    super([d], exitCode);
    this.name = 'SpinnakerError';
  }
}
