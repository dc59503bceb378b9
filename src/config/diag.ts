import type { Diagnostic } from '../diagnostics.js';
import type { ConfigCode } from './codes.js';

/** A 1-based position in the config file; line 0 means "no position" (the file itself). */
export interface Position {
  line: number;
  col: number;
}

/** Builds a config error; every config diagnostic goes through here so the code is typed. */
export function configError(file: string, pos: Position, code: ConfigCode, message: string, fix: string): Diagnostic {
  return { code, severity: 'error', message, fix, file, line: pos.line, col: pos.col };
}

/** File order, then code, so a list of problems reads top to bottom and is stable across runs. */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return [...diags].sort((a, b) => a.line - b.line || a.col - b.col || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/** `"text"` with JSON escaping, so hostile values (quotes, newlines) stay on one readable line. */
export function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
}
