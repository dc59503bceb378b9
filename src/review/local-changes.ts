/**
 * Local changes kept in generated files (recorded by `mlgen sync --merge` in the manifest), as the
 * reviewer should see them next to a config change: which files carry one, whether this change
 * adds, alters or drops it, and the patch itself. Without this a kept edit to, say, the chart's
 * values would ride along every later deploy unseen, since `mlgen check` accepts it.
 */
import type { ManifestEntry } from '../sync/manifest.js';
import { patchStats } from '../sync/local-change.js';
import type { LocalChange } from './types.js';

type Files = Record<string, ManifestEntry> | undefined;

/** Generated paths whose changes alter what runs in the cluster (image, chart, pipeline, CI). */
export function isDeployPath(path: string): boolean {
  return /^(Dockerfile|\.dockerignore|chart\/|deploy\/|\.github\/workflows\/)/.test(path);
}

/**
 * Every local change in `now` (the manifest of the working tree), with its status against
 * `before` (the manifest at the base revision), then the ones `now` no longer has, each in path order.
 */
export function localChanges(now: Files, before: Files): LocalChange[] {
  const out: LocalChange[] = [];
  for (const [path, entry] of Object.entries(now ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!entry.local) continue;
    const old = before?.[path]?.local;
    const status = old === undefined ? 'added' : old.sha256 === entry.local.sha256 && old.patch.join('\n') === entry.local.patch.join('\n') ? 'kept' : 'changed';
    out.push({ path, status, ...patchStats(entry.local.patch), patch: [...entry.local.patch] });
  }
  for (const [path, entry] of Object.entries(before ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (entry.local && !now?.[path]?.local) out.push({ path, status: 'removed', ...patchStats(entry.local.patch), patch: [] });
  }
  return out;
}
