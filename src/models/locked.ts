/**
 * `mlgen models pull --locked`: fetch exactly what `models.lock.json` records, as a hotfix deploy
 * (`[deploy-only]`) needs. Registry sources are fetched at the locked version, never re-resolved
 * through their alias or `latest`; every fetched model must hash to its lock entry; the lock is
 * only read, never written.
 */
import type { LockedModel, ModelsLock } from '@mlservice/runtime';
import type { ModelSource, ModelSpec } from '../config/model.js';
import { diffFiles } from './check.js';
import { MODELS_CODES, ModelsError } from './errors.js';
import { LOCK_FILE, modelDigest, readLock, type LockedFile } from './lock.js';

const PULL_FIX = 'run `mlgen models pull` (without --locked) and commit models.lock.json; a hotfix deploy ships only models already locked';

/** The lock, which `--locked` cannot do without. */
export async function requireLock(root: string): Promise<ModelsLock> {
  const lock = await readLock(root);
  if (!lock) throw new ModelsError(MODELS_CODES.LOCK_MISSING, `${LOCK_FILE} does not exist; --locked pulls exactly the versions it records`, PULL_FIX, LOCK_FILE);
  return lock;
}

/** The lock entry of `spec`, refused when it is missing, was pulled from another source or was edited by hand. */
export function lockedEntry(lock: ModelsLock, spec: ModelSpec): LockedModel {
  const entry = lock.models[spec.name];
  if (!entry) throw new ModelsError(MODELS_CODES.NOT_LOCKED, `model "${spec.name}" is not in ${LOCK_FILE}`, PULL_FIX, LOCK_FILE);
  if (entry.source !== spec.source.uri) {
    throw new ModelsError(MODELS_CODES.NOT_LOCKED, `model "${spec.name}": mlservice.yaml says source "${spec.source.uri}" but ${LOCK_FILE} was pulled from "${entry.source}"`, PULL_FIX, LOCK_FILE);
  }
  const src = spec.source;
  const badRegistry = src.kind !== 'local' && src.kind !== 'https' && (entry.registry?.registeredModel !== src.registeredModel || typeof entry.registry?.version !== 'string');
  if (badRegistry || modelDigest(entry.files) !== entry.sha256) {
    const why = badRegistry ? 'has no registry version' : 'has a digest that does not match its file list';
    throw new ModelsError(MODELS_CODES.LOCK_INVALID, `model "${spec.name}": its entry in ${LOCK_FILE} ${why} (edited by hand?)`, PULL_FIX, LOCK_FILE);
  }
  return entry;
}

/**
 * The source to fetch: a registry source becomes its locked version (the config's URI is kept, so the
 * lock entry still matches it); local and https sources are fetched as they are and checked by hash.
 */
export function lockedSource(source: ModelSource, entry: LockedModel): ModelSource {
  if (source.kind === 'local' || source.kind === 'https' || !entry.registry) return source;
  return { kind: 'registry-version', uri: source.uri, registeredModel: source.registeredModel, version: entry.registry.version };
}

/** Throws unless `files` (what was fetched) hash exactly to the lock entry. */
export function assertMatchesLock(name: string, entry: LockedModel, files: LockedFile[]): void {
  if (modelDigest(files) === entry.sha256) return;
  const problems = diffFiles(entry.files, files);
  throw new ModelsError(
    MODELS_CODES.LOCK_MISMATCH,
    `model "${name}" (${entry.source}): the fetched files differ from ${LOCK_FILE}: ${problems.join('; ') || 'different digest'}; nothing was installed`,
    'the files behind the locked version changed after it was locked: check the artifact store (or local file) for tampering; if the change is intended, run `mlgen models pull --force` and commit models.lock.json',
    LOCK_FILE,
  );
}
