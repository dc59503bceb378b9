import { join } from 'node:path';
import { loadConfig, type ServiceModel } from '../config/index.js';
import { emitAll } from '../emit/index.js';
import { syncFiles } from './sync.js';
import type { SyncOptions, SyncResult } from './types.js';

/** The config file every project has at its root; recorded in the manifest by this name. */
export const CONFIG_FILE = 'mlservice.yaml';

/**
 * The one orchestration of load -> validate -> normalize -> emit -> plan -> apply. `mlgen sync`,
 * `mlgen check` and `yo mlservice` call this; none of them writes generated files itself.
 * Throws `DiagnosticError` (exit 65) for an invalid config, or for a path that would leave the
 * project; otherwise `result.exitCode` follows `EXIT` (check: 0 in sync, 1 drift, 2 hand edits).
 */
export async function syncProject(root: string, options: SyncOptions = {}): Promise<SyncResult & { model: ServiceModel }> {
  const loaded = await loadConfig(join(root, CONFIG_FILE));
  const result = await syncFiles(root, emitAll(loaded.model), { path: CONFIG_FILE, text: loaded.text }, options);
  // The model goes back to the caller for the reviewers' change summary (no second load).
  return { ...result, model: loaded.model };
}
