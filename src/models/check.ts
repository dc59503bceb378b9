/**
 * `verifyModels`: do the files under `models/` match `models.lock.json`, and does the lock match the
 * config? `mlgen models verify`, before a local image build. CI's image build does not need it:
 * it pulls with `models pull --locked`, which installs nothing whose files differ from the lock.
 * `mlgen check` does not run it: in a pull request's CI the pulled models are not there.
 */
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import type { LockedModel, ModelsLock } from '@mlservice/runtime';
import type { ServiceModel } from '../config/model.js';
import type { Diagnostic } from '../diagnostics.js';
import { MODELS_CODES, ModelsError } from './errors.js';
import { LOCK_FILE, hashDir, modelDigest, readLock, type LockedFile } from './lock.js';

const PULL_FIX = 'run `mlgen models pull` and commit models.lock.json';

function diag(code: string, message: string, file: string, severity: Diagnostic['severity'] = 'error', fix = PULL_FIX): Diagnostic {
  return { code, severity, message, fix, file, line: 0, col: 0 };
}

function listSome(paths: string[]): string {
  const shown = paths
    .slice(0, 5)
    .map((p) => `"${p}"`)
    .join(', ');
  return paths.length > 5 ? `${shown} and ${paths.length - 5} more` : shown;
}

/** Differences between the lock's file list and the files on disk, as one message per kind. */
export function diffFiles(locked: LockedFile[], actual: LockedFile[]): string[] {
  const want = new Map(locked.map((f) => [f.path, f.sha256]));
  const have = new Map(actual.map((f) => [f.path, f.sha256]));
  const missing = locked.filter((f) => !have.has(f.path)).map((f) => f.path);
  const extra = actual.filter((f) => !want.has(f.path)).map((f) => f.path);
  const changed = locked.filter((f) => have.has(f.path) && have.get(f.path) !== f.sha256).map((f) => f.path);
  const out: string[] = [];
  if (missing.length) out.push(`missing ${listSome(missing)}`);
  if (extra.length) out.push(`unexpected ${listSome(extra)}`);
  if (changed.length) out.push(`changed ${listSome(changed)}`);
  return out;
}

async function checkModel(root: string, name: string, source: string, entry: LockedModel | undefined): Promise<Diagnostic[]> {
  if (!entry) return [diag(MODELS_CODES.NOT_LOCKED, `model "${name}" is not in ${LOCK_FILE}`, LOCK_FILE)];
  if (entry.source !== source) {
    return [diag(MODELS_CODES.NOT_LOCKED, `model "${name}": mlservice.yaml says source "${source}" but ${LOCK_FILE} was pulled from "${entry.source}"`, LOCK_FILE)];
  }
  if (modelDigest(entry.files) !== entry.sha256) {
    return [diag(MODELS_CODES.LOCK_INVALID, `model "${name}": the digest in ${LOCK_FILE} does not match its file list (edited by hand?)`, LOCK_FILE)];
  }
  const dir = join(root, 'models', name);
  const exists = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const where = `models/${name}`;
  if (!exists) return [diag(MODELS_CODES.MODIFIED, `model "${name}" is locked but ${where}/ does not exist`, where)];
  const problems = diffFiles(entry.files, await hashDir(dir));
  return problems.length ? [diag(MODELS_CODES.MODIFIED, `model "${name}": ${where}/ differs from ${LOCK_FILE}: ${problems.join('; ')}`, where)] : [];
}

/** Every difference between config, lock and disk; an empty array means all is in step. */
export async function verifyModels(root: string, model: ServiceModel): Promise<Diagnostic[]> {
  let lock: ModelsLock | undefined;
  try {
    lock = await readLock(root);
  } catch (e) {
    if (e instanceof ModelsError) return e.diagnostics;
    throw e;
  }
  if (!lock) {
    return model.models.length ? [diag(MODELS_CODES.LOCK_MISSING, `${LOCK_FILE} does not exist`, LOCK_FILE)] : [];
  }
  const out: Diagnostic[] = [];
  for (const m of model.models) out.push(...(await checkModel(root, m.name, m.source.uri, lock.models[m.name])));
  const configured = new Set(model.models.map((m) => m.name));
  for (const name of Object.keys(lock.models).sort()) {
    if (!configured.has(name)) out.push(diag(MODELS_CODES.STALE_LOCK_ENTRY, `${LOCK_FILE} has model "${name}", which mlservice.yaml no longer lists`, LOCK_FILE, 'warning'));
  }
  return out;
}
