/** The semantic change summary for reviewers: what a config change means for clients and the cluster. */
export { summarizeChanges } from './summary.js';
export { renderSummary, type SummaryFormat } from './render.js';
export { diffOpenApi, type ApiChange } from './openapi-diff.js';
export { localChanges } from './local-changes.js';
export type { ChangeItem, ChangeLabel, ChangeLevel, ChangeSection, ChangeSummary, LocalChange } from './types.js';
