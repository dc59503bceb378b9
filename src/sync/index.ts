/** The sync engine's public surface (for the CLI and the Yeoman generator). */
export { syncProject, CONFIG_FILE } from './project.js';
export { syncFiles, exitCode, engineFiles } from './sync.js';
export { planSync, type ConfigSource } from './plan.js';
export { applyPlan, type ApplyReport } from './apply.js';
export { renderPlanTable, renderPlanJson, renderDiffs, bytesAfter, NO_OP_ACTIONS } from './render.js';
export { unifiedDiff } from './diff.js';
export { MANIFEST_PATH, canonicalJson, generatorInfo, readManifest, type Manifest, type ManifestEntry, type LocalChangeRecord } from './manifest.js';
export type { Action, Plan, PlanEntry, Resolution, SyncOptions, SyncResult } from './types.js';
