import type { Diagnostic } from '../diagnostics.js';
import type { Ownership } from '../emit/types.js';
import type { Manifest, ManifestRead } from './manifest.js';

/** What sync does (or would do) to one path. */
export type Action =
  | 'unchanged'
  | 'create'
  | 'update'
  /** In the manifest, no longer emitted, untouched since mlgen wrote it. */
  | 'delete'
  /** A generated file edited by hand: disk differs from both what mlgen wrote and what it wants now. */
  | 'conflict'
  /** No longer emitted but edited by hand: reported, kept, released to the user. */
  | 'orphan-edited'
  /** A file mlgen never wrote sits where a generated file should go. */
  | 'collision'
  /** A user-owned file left alone. */
  | 'scaffold-skip'
  /** A generated file that is exactly the local change recorded in the manifest; left alone. */
  | 'local';

/** How a `conflict`/`collision` is settled. */
export type Resolution =
  /** No flag given: the whole sync is refused and nothing is written. */
  | 'refused'
  /** `--force`: the user's bytes go to `.mlgen/backup/<path>`, then mlgen's are written. */
  | 'forced'
  /** `--merge`, clean three-way merge. */
  | 'merged'
  /** `--merge`, overlapping edits: written with conflict markers, exit 2. */
  | 'merge-conflict'
  /** `--merge` but no merge base could be found: mlgen's version goes to `<path>.mlgen-new`. */
  | 'no-base'
  /** A recorded local change re-applied onto mlgen's new output by a clean three-way merge. */
  | 'reapplied';

export interface PlanEntry {
  path: string;
  action: Action;
  owner: Ownership;
  emitter: string;
  /** Bytes on disk now; undefined when the file does not exist. */
  before?: Buffer;
  /** Text that apply writes to `path`; undefined when apply leaves `path` alone. */
  after?: string;
  /** `generated`: the bytes mlgen wants (differs from `after` after a merge). */
  desired?: string;
  resolution?: Resolution;
  mode?: number;
  /**
   * The file is exactly the local change recorded in the manifest and mlgen's output moved on:
   * `resolveConflicts` re-applies the change (an `update`), or turns the entry into a `conflict`.
   */
  reapply?: boolean;
}

export interface SyncOptions {
  /** Plan and report, write nothing. */
  dryRun?: boolean;
  /** CI mode: plan, write nothing, exit 0 in sync, 1 drift, 2 hand edits. */
  check?: boolean;
  /** Overwrite hand-edited generated files, keeping the user's copy in `.mlgen/backup/`. */
  force?: boolean;
  /** Three-way merge hand edits with mlgen's new output (with `force`: force where no base exists). */
  merge?: boolean;
  /**
   * Test seam: called before every write or delete apply makes, with the path and a running count.
   * Throwing from it simulates a crash in the middle of apply.
   */
  beforeWrite?: (path: string, count: number) => void;
}

export interface Plan {
  entries: PlanEntry[];
  /** The entry for `.mlgen/manifest.json` (also the last of `entries`). */
  manifestEntry: PlanEntry;
  previousManifest: ManifestRead;
  nextManifest: Manifest;
  diagnostics: Diagnostic[];
  /** True when a conflict/collision has no resolution: apply writes nothing. */
  refused: boolean;
}

export interface SyncResult {
  entries: PlanEntry[];
  diagnostics: Diagnostic[];
  /** Paths written (project files, `.mlgen-new` side files, backups), in write order. */
  written: string[];
  deleted: string[];
  exitCode: number;
  refused: boolean;
}
