/**
 * The config step's public surface: `mlservice.yaml` -> `ServiceModel`, or a `DiagnosticError`
 * (exit 65) listing every problem with its line, column, code and fix.
 */
import { readFile } from 'node:fs/promises';
import { DiagnosticError, EXIT } from '../diagnostics.js';
import { configError } from './diag.js';
import { parseYaml } from './load.js';
import type { ServiceModel } from './model.js';
import { normalizeConfig } from './normalize.js';
import { validateConfig } from './validate.js';

export type * from './model.js';
export { CONFIG_CODES, type ConfigCode } from './codes.js';

export interface LoadedConfig {
  model: ServiceModel;
  /** The path as given by the caller (used as the file label in diagnostics). */
  path: string;
  /** The exact text that was read. */
  text: string;
}

export async function loadConfig(configPath: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
    const fix = 'run the command in the service directory, or pass the config path (start a new service with "yo mlservice")';
    throw new DiagnosticError([configError(configPath, { line: 0, col: 0 }, 'CONFIG.FILE_NOT_FOUND', reason, fix)], EXIT.invalidConfig);
  }
  return { model: parseConfigText(text, configPath), path: configPath, text };
}

/** Same as `loadConfig` for text already in memory (e.g. an older revision read from git). */
export function parseConfigText(text: string, fileLabel: string): ServiceModel {
  const parsed = parseYaml(text, fileLabel);
  if (parsed.diagnostics.length > 0) throw new DiagnosticError(parsed.diagnostics, EXIT.invalidConfig);
  const { raw, diagnostics } = validateConfig(parsed.data, { file: fileLabel, doc: parsed.doc, lines: parsed.lines });
  if (diagnostics.length > 0) throw new DiagnosticError(diagnostics, EXIT.invalidConfig);
  return normalizeConfig(raw);
}
