import type { Diagnostic } from '../diagnostics.js';
import { SYNC_CODES } from './codes.js';
import type { ManifestEntry } from './manifest.js';
import { findMergeBase, mergeThreeWay } from './merge.js';
import type { PlanEntry, SyncOptions } from './types.js';

export const BACKUP_DIR = '.mlgen/backup';
export const SIDE_FILE_SUFFIX = '.mlgen-new';

/**
 * Settles every `conflict` and `collision` entry according to the flags, filling in `resolution`
 * and `after`, and returns one diagnostic per file that still needs the user. Never writes.
 */
export async function resolveConflicts(
  root: string,
  entries: PlanEntry[],
  prevFiles: Record<string, ManifestEntry>,
  options: SyncOptions,
): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const e of entries) {
    if (e.action !== 'conflict' && e.action !== 'collision') continue;
    const ours = (e.before ?? Buffer.alloc(0)).toString('utf8');
    const theirs = e.desired ?? '';
    const prev = prevFiles[e.path];
    const base = e.action === 'conflict' && prev ? await findMergeBase(root, prev) : undefined;
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

/** 1-based number of the first line where `a` and `b` differ (where the hand edit starts). */
export function firstDifferentLine(a: string, b: string): number {
  const x = a.split('\n');
  const y = b.split('\n');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i += 1;
  return i + 1;
}

/** A clean merge still leaves a hand edit in a generated file: say so, and which base was used. */
function mergedNote(path: string, from: string, line: number): Diagnostic {
  return {
    code: SYNC_CODES.MERGED,
    severity: 'warning',
    message: `merged your edit with mlgen's new output (base: the bytes mlgen last wrote, from ${from})`,
    fix: 'move the change into a hook or mlservice.yaml; until then `mlgen check` reports this file and every sync needs --merge',
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
    fix: 'resolve the <<<<<<< / ======= / >>>>>>> regions, then move your change into a hook so the next sync is clean',
    file: path,
    line,
    col: 1,
  };
}
