import type { Diagnostic } from '../diagnostics.js';
import { SYNC_CODES } from './codes.js';
import { MANIFEST_PATH, type ManifestEntry } from './manifest.js';
import { findMergeBase, mergeThreeWay } from './merge.js';
import type { PlanEntry, SyncOptions } from './types.js';

export const BACKUP_DIR = '.mlgen/backup';
export const SIDE_FILE_SUFFIX = '.mlgen-new';

/**
 * Settles every `conflict` and `collision` entry according to the flags, filling in `resolution`
 * and `after`, and returns one diagnostic per file that still needs the user. Never writes.
 */
export async function resolveConflicts(root: string, entries: PlanEntry[], prevFiles: Record<string, ManifestEntry>, options: SyncOptions): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const e of entries) {
    if (e.reapply) {
      out.push(...(await reapplyLocal(root, e, prevFiles[e.path], options)));
      continue;
    }
    if (e.action !== 'conflict' && e.action !== 'collision') continue;
    const ours = (e.before ?? Buffer.alloc(0)).toString('utf8');
    const theirs = e.desired ?? '';
    const prev = prevFiles[e.path];
    const base = e.action === 'conflict' && prev ? await findMergeBase(root, prev, ours) : undefined;
    const line = firstDifferentLine(ours, base?.text ?? theirs);
    if (options.merge && base !== undefined) {
      const merged = mergeThreeWay(ours, base.text, theirs);
      e.after = merged.text === ours ? undefined : merged.text; // already merged: leave the file be
      e.resolution = merged.conflicts === 0 ? 'merged' : 'merge-conflict';
      out.push(merged.conflicts > 0 ? mergeConflict(e.path, merged.text, merged.conflicts) : mergedNote(e.path, base.from, line));
    } else if (options.force) {
      e.after = theirs;
      e.resolution = 'forced';
    } else if (options.merge) {
      e.resolution = 'no-base';
      out.push(noBase(e, line));
    } else {
      e.resolution = 'refused';
      out.push(refusal(e, line));
    }
  }
  return out;
}

/**
 * A file that is exactly its recorded local change, while mlgen's output moved on: the change is
 * re-applied by three-way merge without any flag (the user already chose to keep it). Only a real
 * conflict (or a base that cannot be found) stops the sync, and then as for any hand edit:
 * refused by default, markers with `--merge`, overwritten with `--force`.
 */
async function reapplyLocal(root: string, e: PlanEntry, prev: ManifestEntry | undefined, options: SyncOptions): Promise<Diagnostic[]> {
  const ours = (e.before ?? Buffer.alloc(0)).toString('utf8');
  const theirs = e.desired ?? '';
  const base = prev ? await findMergeBase(root, prev, ours) : undefined;
  const merged = base === undefined ? undefined : mergeThreeWay(ours, base.text, theirs);
  if (base !== undefined && merged?.conflicts === 0) {
    e.after = merged.text;
    e.resolution = 'reapplied';
    return [reappliedNote(e.path, base.from, firstDifferentLine(merged.text, theirs))];
  }
  // Not clean: from here on it is a hand edit in conflict with the new output.
  e.action = 'conflict';
  e.reapply = undefined;
  const line = firstDifferentLine(ours, base?.text ?? theirs);
  if (options.merge && base !== undefined && merged !== undefined) {
    e.after = merged.text;
    e.resolution = 'merge-conflict';
    return [mergeConflict(e.path, merged.text, merged.conflicts)];
  }
  if (options.force) {
    e.after = theirs;
    e.resolution = 'forced';
    return [];
  }
  if (options.merge) {
    e.resolution = 'no-base';
    return [noBase(e, line)];
  }
  e.resolution = 'refused';
  return [base === undefined ? refusal(e, line) : localConflict(e.path, line)];
}

/** 1-based number of the first line where `a` and `b` differ (where the hand edit starts). */
export function firstDifferentLine(a: string, b: string): number {
  const x = a.split('\n');
  const y = b.split('\n');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i += 1;
  return i + 1;
}

/** A clean merge keeps a hand edit in a generated file: say so, which base was used, and what now. */
function mergedNote(path: string, from: string, line: number): Diagnostic {
  return {
    code: SYNC_CODES.MERGED,
    severity: 'warning',
    message: `merged your edit with mlgen's new output (base: the bytes mlgen last wrote, from ${from}); recorded in ${MANIFEST_PATH} as a local change you keep`,
    fix: `review it with \`mlgen diff\`; \`mlgen check\` passes while the file stays exactly so and later syncs re-apply it; to drop it, delete ${path} and run \`mlgen sync\``,
    file: path,
    line,
    col: 1,
  };
}

function reappliedNote(path: string, from: string, line: number): Diagnostic {
  return {
    code: SYNC_CODES.LOCAL_REAPPLIED,
    severity: 'warning',
    message: `re-applied your kept local change onto mlgen's new output (three-way merge, base from ${from})`,
    fix: `review the result with \`mlgen sync --diff\` and \`mlgen diff\`; to drop the change, delete ${path} and run \`mlgen sync\``,
    file: path,
    line,
    col: 1,
  };
}

function localConflict(path: string, line: number): Diagnostic {
  return {
    code: SYNC_CODES.LOCAL_CONFLICT,
    severity: 'error',
    message: "your kept local change and mlgen's new output change the same lines; nothing was written",
    fix: `\`mlgen sync --merge\` writes the file with conflict markers: resolve them, then run \`mlgen sync --merge\` again to record the result; or \`mlgen sync --force\` drops your change (your copy goes to ${BACKUP_DIR}/${path})`,
    file: path,
    line,
    col: 1,
  };
}

function refusal(e: PlanEntry, line: number): Diagnostic {
  const why =
    e.action === 'conflict'
      ? 'generated file was edited by hand (it differs from what mlgen last wrote and from what it would write now)'
      : 'a file that mlgen did not write is in the way of a generated file';
  return {
    code: e.action === 'conflict' ? SYNC_CODES.HAND_EDITED : SYNC_CODES.COLLISION,
    severity: 'error',
    message: `${why}; nothing was written`,
    fix: [
      'move the change into a hook (src/hooks) or mlservice.yaml, then run `mlgen sync --force`;',
      e.action === 'conflict' ? 'or keep it with a three-way merge: `mlgen sync --merge`;' : '',
      `or overwrite it with \`mlgen sync --force\` (your copy goes to ${BACKUP_DIR}/${e.path})`,
    ]
      .filter(Boolean)
      .join(' '),
    file: e.path,
    line,
    col: 1,
  };
}

function noBase(e: PlanEntry, line: number): Diagnostic {
  return {
    code: SYNC_CODES.NO_MERGE_BASE,
    severity: 'error',
    message: `cannot merge: the version mlgen last wrote is neither in git nor in the local cache; mlgen's new version is in ${e.path}${SIDE_FILE_SUFFIX}`,
    fix: `merge ${e.path}${SIDE_FILE_SUFFIX} into ${e.path} by hand and delete it, or run \`mlgen sync --force\``,
    file: e.path,
    line,
    col: 1,
  };
}

function mergeConflict(path: string, text: string, count: number): Diagnostic {
  const line = text.split('\n').findIndex((l) => l.startsWith('<<<<<<< ')) + 1;
  return {
    code: SYNC_CODES.MERGE_CONFLICT,
    severity: 'error',
    message: `${count} conflicting region(s) between your edit and mlgen's new output, marked in the file`,
    fix: 'resolve the <<<<<<< / ======= / >>>>>>> regions, then run `mlgen sync --merge` again to record the result as a local change you keep (or move the change into a hook)',
    file: path,
    line,
    col: 1,
  };
}
