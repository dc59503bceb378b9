/**
 * `models.lock.json`: what `mlgen models pull` resolved and the sha256 of every file it put under
 * `models/<name>/`. Canonical JSON (keys sorted, two-space indent, one trailing newline, no clock),
 * so pulling unchanged models rewrites nothing and the lock diffs cleanly in review.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { LockedModel, ModelsLock } from '@mlservice/runtime';
import { canonicalJson } from '../canonical.js';
import { MODELS_CODES, ModelsError } from './errors.js';
import { comparePaths } from './paths.js';

export const LOCK_FILE = 'models.lock.json';

export type LockedFile = LockedModel['files'][number];

/** JSON with object keys sorted at every level, 2-space indent and a trailing newline. */
async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface LocalFile {
  /** POSIX path relative to the listed directory. */
  path: string;
  abs: string;
  size: number;
}

/** Every regular file under `dir` (symlinks followed), sorted by path. */
export async function listFiles(dir: string): Promise<LocalFile[]> {
  const out: LocalFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(rel ? join(dir, ...rel.split('/')) : dir);
    for (const name of entries) {
      const childRel = rel ? `${rel}/${name}` : name;
      const abs = join(dir, ...childRel.split('/'));
      const s = await stat(abs);
      if (s.isDirectory()) await walk(childRel);
      else if (s.isFile()) out.push({ path: childRel, abs, size: s.size });
    }
  };
  await walk('');
  return out.sort((a, b) => comparePaths(a.path, b.path));
}

/** The lock's file list for `dir`: every regular file with its sha256 and size, sorted by path. */
export async function hashDir(dir: string): Promise<LockedFile[]> {
  const out: LockedFile[] = [];
  for (const f of await listFiles(dir)) out.push({ path: f.path, sha256: await sha256File(f.abs), size: f.size });
  return out;
}

/** sha256 over the lines `<path>\0<sha256>\n` of the (sorted) files: one digest per model. */
export function modelDigest(files: LockedFile[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.path}\0${f.sha256}\n`);
  return hash.digest('hex');
}

function invalid(why: string): ModelsError {
  return new ModelsError(MODELS_CODES.LOCK_INVALID, `${LOCK_FILE} ${why}`, 'run `mlgen models pull` to write it again (resolve merge conflicts by pulling, not by hand)', LOCK_FILE);
}

function assertLockShape(value: unknown): asserts value is ModelsLock {
  const lock = value as Partial<ModelsLock> | null;
  if (!lock || typeof lock !== 'object' || lock.lockVersion !== 1) throw invalid('is not a lockVersion 1 lock');
  if (!lock.models || typeof lock.models !== 'object' || Array.isArray(lock.models)) throw invalid('has no `models` object');
  for (const [name, m] of Object.entries(lock.models)) {
    const ok =
      m &&
      typeof m.source === 'string' &&
      typeof m.sha256 === 'string' &&
      Array.isArray(m.files) &&
      m.files.every((f) => f && typeof f.path === 'string' && typeof f.sha256 === 'string' && typeof f.size === 'number');
    if (!ok) throw invalid(`has a malformed entry for model "${name}"`);
  }
}

/** Reads `<root>/models.lock.json`; `undefined` when there is none. */
export async function readLock(root: string): Promise<ModelsLock | undefined> {
  let text: string;
  try {
    text = await readFile(join(root, LOCK_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('is not valid JSON');
  }
  assertLockShape(value);
  return value;
}

/** Writes the lock atomically, only when its bytes change. Returns whether it wrote. */
export async function writeLock(root: string, lock: ModelsLock): Promise<boolean> {
  const text = canonicalJson(lock);
  const path = join(root, LOCK_FILE);
  const before = await readFile(path, 'utf8').catch(() => undefined);
  if (before === text) return false;
  await writeFileAtomic(path, text);
  return true;
}

/** True when `dir` exists and its files hash to `digest`. */
export async function dirMatches(dir: string, digest: string): Promise<boolean> {
  const exists = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  return exists && modelDigest(await hashDir(dir)) === digest;
}

export { canonicalJson };
