import { mkdir, readdir, realpath, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { BACKUP_DIR, SIDE_FILE_SUFFIX } from './conflicts.js';
import { sha256 } from './hash.js';
import { removeLeftoverTemps } from './leftovers.js';
import { CACHE_DIR } from './merge.js';
import { resolveInside } from './paths.js';
import type { Plan, PlanEntry, SyncOptions } from './types.js';

export interface ApplyReport {
  written: string[];
  deleted: string[];
}

/**
 * The only code in mlgen that writes to a project. Order matters for crash safety:
 * leftover temp files of an interrupted sync removed, backups, then file writes (each temp + fsync + rename, so a file is always wholly old or wholly
 * new), then deletions, then the merge-base cache, and the manifest LAST as the commit point.
 * A crash anywhere before the manifest leaves the old manifest, and re-planning by hash repairs
 * the tree (see `syncFiles`). A refused plan writes nothing at all.
 */
export async function applyPlan(rootDir: string, plan: Plan, options: SyncOptions = {}): Promise<ApplyReport> {
  const report: ApplyReport = { written: [], deleted: [] };
  if (plan.refused) return report;
  const root = resolve(rootDir);
  const realRoot = await realpath(root);
  // A sync killed mid-write left temp files beside what it was writing; this one removes them first.
  await removeLeftoverTemps(
    root,
    realRoot,
    plan.entries.map((e) => e.path),
  );
  let count = 0;
  const write = async (path: string, text: string | Buffer, mode?: number): Promise<void> => {
    options.beforeWrite?.(path, ++count);
    report.written.push(path); // in plan order; a failure throws and the report is dropped
    const abs = await resolveInside(root, realRoot, path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFileAtomic(abs, text, mode === undefined ? {} : { mode });
  };

  const files = plan.entries.filter((e) => e !== plan.manifestEntry);
  await inPool(
    files.filter((e) => e.resolution === 'forced' && e.before),
    (e) => write(`${BACKUP_DIR}/${e.path}`, e.before ?? ''),
  );
  await inPool(
    files.filter((e) => e.resolution === 'no-base' || e.after !== undefined),
    (e) => (e.resolution === 'no-base' ? write(`${e.path}${SIDE_FILE_SUFFIX}`, e.desired ?? '') : write(e.path, e.after ?? '', writeMode(e))),
  );
  for (const e of files.filter((x) => x.action === 'delete')) {
    options.beforeWrite?.(e.path, ++count);
    const abs = await resolveInside(root, realRoot, e.path);
    await unlink(abs);
    report.deleted.push(e.path);
    await pruneEmptyDirs(root, dirname(abs));
  }
  const cacheDir = await resolveInside(root, realRoot, CACHE_DIR);
  await fillCache(cacheDir, cacheWanted(plan));
  if (plan.manifestEntry.after !== undefined) await write(plan.manifestEntry.path, plan.manifestEntry.after);
  const keep = Object.values(plan.nextManifest.files).flatMap((f) => (f.sha256 ? [f.sha256] : []));
  await pruneCache(cacheDir, new Set(keep));
  return report;
}

/** New files get the emitter's mode; existing user-owned files keep theirs. */
function writeMode(e: PlanEntry): number | undefined {
  if (e.owner === 'generated' || e.before === undefined) return e.mode ?? 0o644;
  return undefined;
}

/** Removes directories left empty by a deletion, up to (never including) the root. */
async function pruneEmptyDirs(root: string, dir: string): Promise<void> {
  let current = dir;
  while (current.length > root.length && current.startsWith(root)) {
    try {
      await rmdir(current); // fails on a non-empty directory, which is where we stop
    } catch {
      return;
    }
    current = dirname(current);
  }
}

/** Every generated file's desired bytes, keyed by sha256: the merge bases of the next sync. */
function cacheWanted(plan: Plan): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of plan.entries) {
    if (e.owner !== 'generated' || e.desired === undefined || e === plan.manifestEntry) continue;
    if (e.resolution === 'refused' || e.resolution === 'no-base') continue;
    out.set(sha256(e.desired), e.desired);
  }
  return out;
}

async function fillCache(dir: string, wanted: Map<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await inPool([...wanted], async ([hash, text]) => {
    const path = join(dir, hash);
    const present = await stat(path).then(
      () => true,
      () => false,
    );
    // No fsync: a torn cache entry fails its hash check and is simply not used as a base.
    if (!present) await writeFileAtomic(path, text, { fsync: false });
  });
}

/** Parallel writes overlap the per-file fsyncs (1,000 new files here: ~22 s serial, 8-11 s pooled). */
const POOL_SIZE = 8;

/**
 * Runs `task` over `items`, at most POOL_SIZE at a time, starting them in order. After a failure
 * no new task starts, the running ones are awaited (so nothing writes after apply returns), and
 * the first error is thrown.
 */
async function inPool<T>(items: T[], task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(POOL_SIZE, items.length) }, worker));
  if (failure) throw failure.error;
}

/** Drops bases no manifest entry points to any more (only after the manifest is committed). */
async function pruneCache(dir: string, keep: Set<string>): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (/^[0-9a-f]{64}$/.test(name) && !keep.has(name)) await unlink(join(dir, name));
  }
}
