/** Reads `models.lock.json` (written by `mlgen models pull`): the identity of every model served. */
import { readFile } from 'node:fs/promises';
import { ENV } from './names.js';
import type { ModelsLock } from './types.js';

export interface ModelIdentity {
  version: string;
  runId: string | null;
  sha256: string | null;
}

export function lockPath(env: NodeJS.ProcessEnv = process.env): string {
  return env[ENV.modelsLock] || './models.lock.json';
}

/** The lock, or null when the file does not exist (local development); a malformed file is an error. */
export async function readModelsLock(path = lockPath()): Promise<ModelsLock | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const lock = JSON.parse(text) as ModelsLock;
  if (lock?.lockVersion !== 1 || typeof lock.models !== 'object') {
    throw new Error(`${path}: not a models.lock.json of lockVersion 1; regenerate it with \`mlgen models pull\``);
  }
  return lock;
}

/**
 * Version, run id and digest of one model; `unknown` when the lock is absent or silent. A model
 * from a local path or https URL has no registry version: it is named `sha256-<first 12 hex of
 * its digest>`. CI writes exactly this into the image labels and Spinnaker parameters: the
 * generator's `mlgen-ci` calls this function (test/identity checks every view agrees).
 */
export function identityOf(lock: ModelsLock | null, name: string, fallbackRunId: string | null = null): ModelIdentity {
  const entry = lock?.models[name];
  return {
    version: entry ? (entry.registry?.version ?? `sha256-${entry.sha256.slice(0, 12)}`) : 'unknown',
    runId: entry?.registry?.runId ?? fallbackRunId,
    sha256: entry?.sha256 ?? null,
  };
}
