import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { diff3Merge } from 'node-diff3';
import { sha256 } from './hash.js';
import { baseFromRecord } from './local-change.js';
import type { ManifestEntry } from './manifest.js';

const run = promisify(execFile);

export const CACHE_DIR = '.mlgen/cache';

/**
 * Finds the bytes mlgen last wrote for a file (the merge base), trying in order:
 * 1. git's object store, by the blob id recorded in the manifest (works after a fresh clone);
 * 2. the local cache `.mlgen/cache/<sha256>` that every apply fills (works before any commit);
 * 3. for a file that is exactly a recorded local change, the file minus the recorded patch (works
 *    in a fresh clone, where git only ever held the merged file).
 * Whatever is found must hash to the manifest's sha256, so a wrong base can never be used.
 * Owning the base is the lesson of cruft's "repository lacks the necessary blob" failures.
 */
export interface MergeBase {
  text: string;
  /** Where the base was found, for the user: `git object <blob>` or `.mlgen/cache/<sha256>`. */
  from: string;
}

export async function findMergeBase(root: string, prev: ManifestEntry, ours?: string): Promise<MergeBase | undefined> {
  const want = prev.sha256;
  if (!want) return undefined;
  const fromRecord = async () => {
    const text = ours === undefined ? undefined : baseFromRecord(ours, prev);
    return text === undefined ? undefined : Buffer.from(text, 'utf8');
  };
  const candidates: Array<[string, () => Promise<Buffer | undefined>]> = [
    [`git object ${prev.gitBlob ?? ''}`, () => fromGit(root, prev.gitBlob)],
    [`${CACHE_DIR}/${want}`, () => fromCache(root, want)],
    ['the local change recorded in .mlgen/manifest.json', fromRecord],
  ];
  for (const [from, load] of candidates) {
    const bytes = await load();
    if (bytes && sha256(bytes) === want) return { text: bytes.toString('utf8'), from };
  }
  return undefined;
}

async function fromGit(root: string, blob: string | undefined): Promise<Buffer | undefined> {
  if (!blob || !/^[0-9a-f]{40}$/.test(blob)) return undefined;
  try {
    const { stdout } = await run('git', ['-C', root, 'cat-file', 'blob', blob], {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch {
    return undefined; // not a repo, git missing, or the blob was never committed
  }
}

async function fromCache(root: string, hash: string): Promise<Buffer | undefined> {
  if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
  return readFile(join(root, CACHE_DIR, hash)).catch(() => undefined);
}

export const MARKERS = {
  ours: '<<<<<<< ours (your edit)',
  sep: '=======',
  theirs: '>>>>>>> theirs (mlgen)',
} as const;

/**
 * Line-based three-way merge (diff3). Overlapping changes get git-style markers, which editors
 * and `git diff --check` recognise (copier#1350: custom markers are not).
 */
export function mergeThreeWay(ours: string, base: string, theirs: string): { text: string; conflicts: number } {
  const regions = diff3Merge(ours.split('\n'), base.split('\n'), theirs.split('\n'), {
    excludeFalseConflicts: true,
  });
  const out: string[] = [];
  let conflicts = 0;
  for (const region of regions) {
    if (region.ok) out.push(...region.ok);
    else if (region.conflict) {
      conflicts += 1;
      out.push(MARKERS.ours, ...region.conflict.a, MARKERS.sep, ...region.conflict.b, MARKERS.theirs);
    }
  }
  return { text: out.join('\n'), conflicts };
}
