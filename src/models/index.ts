/** Public API of the models feature: `mlgen models pull` and `mlgen models verify`. */
export { pullModels, type PullOptions, type PullResult, type PulledModel } from './pull.js';
export { verifyModels } from './check.js';
export { readLock, canonicalJson, LOCK_FILE } from './lock.js';
export { createProgressRenderer, summaryLine, formatBytes, type ProgressEvent, type ProgressOutput } from './progress.js';
export { MODELS_CODES, ModelsError, type ModelsCode } from './errors.js';
