import { EXIT } from '../diagnostics.js';
import { GENERATED_MARKER, type OutputFile } from '../emit/types.js';
import { applyPlan } from './apply.js';
import { planSync, type ConfigSource } from './plan.js';
import { NO_OP_ACTIONS } from './render.js';
import type { Plan, SyncOptions, SyncResult } from './types.js';

/**
 * Keeps `.mlgen/backup/` and `.mlgen/cache/` (local artefacts) out of git; the manifest next to
 * them is committed.
 */
export function engineFiles(): OutputFile[] {
  return [
    {
      path: '.mlgen/.gitignore',
      content: `# ${GENERATED_MARKER}\nbackup/\ncache/\n`,
      owner: 'generated',
      emitter: 'sync',
      inputs: [],
    },
  ];
}

/**
 * Plans and (unless `check`/`dryRun`) applies `files` to the project at `root`.
 *
 * No journal: an interrupted apply is repaired by planning again. Every write is atomic, so each
 * file is wholly old (hash = old manifest, planned as `update`) or wholly new (hash = desired,
 * planned as `unchanged`, including files the old manifest never knew), deletions come after
 * writes and the manifest is written last; test/sync/crash.test.ts proves the round trip.
 */
export async function syncFiles(root: string, files: OutputFile[], config: ConfigSource, options: SyncOptions = {}): Promise<SyncResult> {
  const plan = await planSync(root, [...files, ...engineFiles()], config, options);
  const noWrite = options.check || options.dryRun;
  const report = noWrite ? { written: [], deleted: [] } : await applyPlan(root, plan, options);
  return {
    entries: plan.entries,
    diagnostics: plan.diagnostics,
    written: report.written,
    deleted: report.deleted,
    exitCode: exitCode(plan, options),
    refused: plan.refused,
  };
}

/** `check`: 0 in sync, 1 drift that sync would fix, 2 hand edits sync would refuse. */
export function exitCode(plan: Plan, options: SyncOptions): number {
  const handEdited = plan.entries.some((e) => e.action === 'conflict' || e.action === 'collision');
  if (options.check) {
    if (handEdited) return EXIT.conflict;
    const drift = plan.entries.some((e) => !NO_OP_ACTIONS.has(e.action));
    return drift ? EXIT.drift : EXIT.ok;
  }
  const open = plan.entries.some((e) => e.resolution === 'refused' || e.resolution === 'merge-conflict' || e.resolution === 'no-base');
  return open ? EXIT.conflict : EXIT.ok;
}
