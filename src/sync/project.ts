import { isAbsolute, join, relative } from 'node:path';
import { CONFIG_FILE } from '../config/file.js';
import { loadConfig, type ServiceModel } from '../config/index.js';
import { DiagnosticError, EXIT } from '../diagnostics.js';
import { emitAll } from '../emit/index.js';
import { readAndCheckModels, withModelInputs } from '../models/signatures.js';
import { hookUtilsCompat } from './hook-utils-compat.js';
import { syncFiles } from './sync.js';
import type { SyncOptions, SyncResult } from './types.js';

export { CONFIG_FILE };

/**
 * The one orchestration of load -> validate -> normalize -> emit -> plan -> apply. `mlgen sync`,
 * `mlgen check` and `yo mlservice` call this; none of them writes generated files itself.
 * Where models are already pulled into `models/<name>/`, their ONNX inputs are checked against
 * the config (names, types, ranks) before anything is emitted, and the default hooks of a new
 * project use the real input names.
 * Throws `DiagnosticError` (exit 65) for an invalid config or a model mismatch, or for a path that
 * would leave the project; otherwise `result.exitCode` follows `EXIT` (check: 0, 1 drift, 2 hand edits).
 */
export async function syncProject(root: string, options: SyncOptions = {}): Promise<SyncResult & { model: ServiceModel }> {
  const configPath = join(root, CONFIG_FILE);
  const loaded = await loadConfig(configPath);
  const { signatures, diagnostics } = await readAndCheckModels(root, { ...loaded, path: configPath });
  if (diagnostics.some((d) => d.severity === 'error')) throw new DiagnosticError(diagnostics, EXIT.invalidConfig);
  const model = withModelInputs(loaded.model, signatures);
  const compat = await hookUtilsCompat(root);
  const result = await syncFiles(root, [...emitAll(model), ...compat.files], { path: CONFIG_FILE, text: loaded.text }, options);
  // Warnings name files from the project root, like the rest of the plan (errors are thrown and
  // named from where mlgen runs). The model goes back to the caller for the reviewers' change
  // summary (no second load).
  const fromRoot = diagnostics.map((d) => (isAbsolute(d.file) ? { ...d, file: relative(root, d.file) || d.file } : d));
  return { ...result, diagnostics: [...fromRoot, ...compat.diagnostics, ...result.diagnostics], model: loaded.model };
}
