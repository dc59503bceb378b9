import { lstat, readdir, unlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { BACKUP_DIR, SIDE_FILE_SUFFIX } from './conflicts.js';
import { CACHE_DIR } from './merge.js';
import { resolveInside } from './paths.js';

/** write-file-atomic's temp name: the target's name, a dot and a uint32 in decimal. */
const TEMP = /^(.+)\.(\d{1,10})$/;
const CACHE_ENTRY = /^[0-9a-f]{64}$/;

/**
 * Removes the temp files an interrupted sync left. Every write goes through write-file-atomic,
 * which writes `<file>.<uint32>` beside its target and renames it into place; a process killed in
 * between (SIGKILL, the OOM killer) cannot run its exit handler, so the temp file stays, holding
 * part of a file. The next sync that writes removes them, so no partial file outlives the repair.
 * Only such names beside files this sync manages are touched: a planned file, its `.mlgen-new`
 * side file or `.mlgen/backup/` copy, a merge-base cache entry. Two syncs at once in one project
 * are not supported (the manifest is last-writer-wins), so no live sync's temp file is removed.
 * @see https://github.com/npm/write-file-atomic/blob/main/lib/index.js (getTmpname, cleanupOnExit)
 */
export async function removeLeftoverTemps(root: string, realRoot: string, paths: string[]): Promise<string[]> {
  const targets = new Map<string, Set<string>>();
  const add = (path: string) => {
    const dir = posix.dirname(path);
    if (!targets.has(dir)) targets.set(dir, new Set());
    targets.get(dir)!.add(posix.basename(path));
  };
  for (const p of paths) {
    add(p);
    add(`${p}${SIDE_FILE_SUFFIX}`);
    add(`${BACKUP_DIR}/${p}`);
  }
  targets.set(CACHE_DIR, targets.get(CACHE_DIR) ?? new Set());
  const removed: string[] = [];
  for (const [dir, names] of targets) {
    for (const name of await readdir(join(root, ...dir.split('/'))).catch(() => [] as string[])) {
      const m = TEMP.exec(name);
      if (!m || !(names.has(m[1]!) || (dir === CACHE_DIR && CACHE_ENTRY.test(m[1]!)))) continue;
      const rel = dir === '.' ? name : `${dir}/${name}`;
      const abs = await resolveInside(root, realRoot, rel);
      if (!(await lstat(abs)).isFile()) continue;
      await unlink(abs);
      removed.push(rel);
    }
  }
  return removed;
}
