/**
 * The semantic change summary reviewers read next to a regenerated diff (`mlgen sync`, `mlgen diff`):
 * what a config change means, not which bytes moved.
 */

/** Where a change belongs; also the order of sections when rendered. */
export type ChangeSection = 'service' | 'models' | 'endpoints' | 'ab' | 'batching' | 'server' | 'deploy' | 'api';

/**
 * - `breaking` / `non-breaking`: API changes, classified for existing clients.
 * - `warning`: allowed but with effects reviewers must know (a new A/B salt reshuffles users).
 * - `info`: everything else.
 */
export type ChangeLevel = 'breaking' | 'non-breaking' | 'warning' | 'info';

export interface ChangeItem {
  section: ChangeSection;
  level: ChangeLevel;
  /** One line of plain text (no markup), e.g. `endpoint rank: A/B weights control 90 -> 80, treatment 10 -> 20`. */
  message: string;
  /** JSON Pointer into mlservice.yaml (after the change, or before it for removals) that caused the change. */
  source: string;
}

/** Labels CI can use to require extra approvals. */
export type ChangeLabel = 'api-breaking' | 'deploy-impacting';

/**
 * A local change kept in a generated file (`mlgen sync --merge`), against the base revision:
 * `added` / `changed` / `removed` by this change, or `kept` as it was.
 */
export interface LocalChange {
  path: string;
  status: 'added' | 'changed' | 'kept' | 'removed';
  /** Lines the change adds to and removes from mlgen's output. */
  added: number;
  removed: number;
  /** The unified diff from mlgen's output to the file, one line per item (empty when removed). */
  patch: string[];
}

export interface ChangeSummary {
  service: string;
  /** True when there was no previous config: everything is new. */
  created: boolean;
  items: ChangeItem[];
  /** Local changes kept in generated files, in path order. */
  localChanges: LocalChange[];
  labels: ChangeLabel[];
}
