/**
 * A local change the user chose to keep in a generated file (`mlgen sync --merge`), recorded in the
 * manifest as "this patch on top of mlgen's output" so that:
 * - `mlgen check` passes while the file is exactly the recorded bytes (no red CI forever);
 * - the next sync that changes mlgen's output re-applies the change by three-way merge, with the
 *   old output as the base, rebuilt from the file and the patch when neither git nor the local
 *   cache holds it (a fresh clone: the pure output was never committed, only the merged file);
 * - reviewers read the patch (`mlgen diff`), not an opaque hash.
 */
import { applyPatch, parsePatch, reversePatch } from 'diff';
import { unifiedDiff } from './diff.js';
import { sha256 } from './hash.js';
import type { LocalChangeRecord, ManifestEntry } from './manifest.js';
import type { PlanEntry } from './types.js';

/** The record for `local` on top of mlgen's `desired` bytes; none when they are the same bytes. */
export function localRecord(path: string, desired: string, local: string): LocalChangeRecord | undefined {
  if (local === desired) return undefined;
  const patch = unifiedDiff(path, desired, local).replace(/\n$/, '').split('\n');
  return { sha256: sha256(local), patch };
}

/**
 * The bytes a sync leaves in a generated file when they are a local change the user keeps: a file
 * left as recorded, a clean `--merge`, or a clean re-apply. Undefined for every other outcome
 * (conflict markers are not a state anyone chose).
 */
export function keptLocalText(e: PlanEntry): string | undefined {
  if (e.owner !== 'generated') return undefined;
  if (e.action === 'local') return e.before?.toString('utf8');
  if (e.resolution === 'merged' || e.resolution === 'reapplied') return e.after ?? e.before?.toString('utf8');
  return undefined;
}

/**
 * mlgen's output the recorded change was made on, rebuilt by taking the patch back out of the
 * file. Only from exactly the recorded bytes, and only if the result hashes to the manifest's
 * `sha256`: a wrong base is never used.
 */
export function baseFromRecord(ours: string, prev: ManifestEntry): string | undefined {
  if (!prev.local || !prev.sha256 || sha256(ours) !== prev.local.sha256) return undefined;
  const [patch] = parsePatch(`${prev.local.patch.join('\n')}\n`);
  if (!patch) return undefined;
  const base = applyPatch(ours, reversePatch(patch), { autoConvertLineEndings: false });
  return base !== false && sha256(base) === prev.sha256 ? base : undefined;
}

/** Lines added and removed by a recorded patch (hunk bodies only), for summaries. */
export function patchStats(patch: readonly string[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  let inHunks = false;
  for (const line of patch) {
    inHunks ||= line.startsWith('@@');
    if (!inHunks) continue; // the `---` / `+++` file header
    if (line.startsWith('+')) added += 1;
    else if (line.startsWith('-')) removed += 1;
  }
  return { added, removed };
}
