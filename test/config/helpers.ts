import { expect } from 'vitest';
import { DiagnosticError, formatDiagnostic } from '../../src/diagnostics.js';
import { parseConfigText } from '../../src/config/index.js';

/** The rendered diagnostics `parseConfigText` throws for `text`, or [] when it is valid. */
export function problems(text: string, file = 'mlservice.yaml'): string[] {
  try {
    parseConfigText(text, file);
    return [];
  } catch (e) {
    if (!(e instanceof DiagnosticError)) throw e;
    expect(e.exitCode).toBe(65);
    return e.diagnostics.map(formatDiagnostic);
  }
}

/** Replaces the first occurrence of `from` in `text`, failing loudly if it is not there. */
export function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`test setup: ${JSON.stringify(from)} not in the base config`);
  return text.replace(from, to);
}
