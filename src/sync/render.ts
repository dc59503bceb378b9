import { formatDiagnostic } from '../diagnostics.js';
import { unifiedDiff } from './diff.js';
import { canonicalJson } from './manifest.js';
import type { Action, PlanEntry, SyncResult } from './types.js';

/** Actions that leave the file as it is: not drift, not shown unless asked for. */
export const NO_OP_ACTIONS: ReadonlySet<Action> = new Set(['unchanged', 'scaffold-skip', 'local']);

/** Bytes on disk after the sync (or after the planned sync, for check/dry-run). */
export function bytesAfter(e: PlanEntry): number {
  if (e.action === 'delete') return 0;
  if (e.after !== undefined) return Buffer.byteLength(e.after);
  return e.before?.length ?? 0;
}

function label(e: PlanEntry): string {
  return e.resolution && e.resolution !== 'refused' ? `${e.action}:${e.resolution}` : e.action;
}

/**
 * The human summary: one row per path that changes or needs attention (`all` adds unchanged and
 * skipped ones), byte sizes before -> after, then every diagnostic with its fix.
 */
export function renderPlanTable(result: Pick<SyncResult, 'entries' | 'diagnostics'>, options: { all?: boolean } = {}): string {
  const rows = result.entries.filter((e) => options.all || !NO_OP_ACTIONS.has(e.action)).map((e) => [label(e).toUpperCase(), e.path, e.owner, sizes(e)]);
  const lines: string[] = [];
  if (rows.length === 0) lines.push('Everything is in sync.');
  else {
    const header = ['ACTION', 'PATH', 'OWNER', 'BYTES'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
    lines.push(fmt(header), ...rows.map(fmt));
  }
  if (result.diagnostics.length > 0) lines.push('', ...result.diagnostics.map(formatDiagnostic));
  return `${lines.join('\n')}\n`;
}

function sizes(e: PlanEntry): string {
  const before = e.before?.length;
  const after = bytesAfter(e);
  if (before === undefined) return `+${after}`;
  if (before === after) return `${before}`;
  const delta = after - before;
  return `${before} -> ${after} (${delta > 0 ? '+' : ''}${delta})`;
}

/** Machine-readable result for `--json`: stable keys, no file contents. */
export function renderPlanJson(result: SyncResult): string {
  return canonicalJson({
    exitCode: result.exitCode,
    refused: result.refused,
    entries: result.entries.map((e) => ({
      path: e.path,
      action: e.action,
      resolution: e.resolution,
      owner: e.owner,
      emitter: e.emitter,
      bytesBefore: e.before?.length ?? null,
      bytesAfter: e.action === 'delete' ? null : bytesAfter(e),
    })),
    written: result.written,
    deleted: result.deleted,
    diagnostics: result.diagnostics,
  });
}

/**
 * Unified diffs of what the sync changes (or would change). For a hand-edited file that is not
 * merged it shows the user's bytes against mlgen's, i.e. what `--force` would do.
 */
export function renderDiffs(result: Pick<SyncResult, 'entries'>): string {
  return result.entries
    .map((e) => {
      const before = e.before?.toString('utf8');
      if (e.action === 'delete') return unifiedDiff(e.path, before, undefined);
      if (e.resolution === 'refused' || e.resolution === 'no-base') return unifiedDiff(e.path, before, e.desired);
      return e.after === undefined ? '' : unifiedDiff(e.path, before, e.after);
    })
    .join('');
}
