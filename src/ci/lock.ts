import { identityOf, readModelsLock } from '@mlservice/runtime/models-lock';
import { EXIT } from '../exit-codes.js';
import { CiError } from './process.js';

export interface LockedIdentity {
  name: string;
  /** Registry version, or `sha256-<12 hex>` for a local or https model (the runtime's rule). */
  version: string;
  /** MLflow run id; empty for a local or https model. */
  runId: string;
  sha256: string;
}

export const LOCK_FILE = 'models.lock.json';

/**
 * Every model of `models.lock.json`, by name in code-point order, with the identity the service
 * reports for it (`identityOf` of @mlservice/runtime, so image labels, pipeline parameters and
 * /metadata agree). Values reach docker and Spinnaker as single arguments and JSON strings; a
 * newline is refused all the same, since no version, run id or digest has one.
 */
export async function lockedModels(file = LOCK_FILE): Promise<LockedIdentity[]> {
  const lock = await readModelsLock(file);
  if (!lock) throw new CiError(`${file} does not exist: run "mlgen models pull" first`, EXIT.noInput);
  return Object.keys(lock.models)
    .sort()
    .map((name) => {
      const id = identityOf(lock, name);
      const entry = { name, version: id.version, runId: id.runId ?? '', sha256: id.sha256 ?? '' };
      for (const [key, value] of Object.entries(entry)) {
        if (/[\r\n]/.test(value)) throw new CiError(`${file}: the ${key} of model ${JSON.stringify(name)} holds a newline`, EXIT.invalidConfig);
      }
      return entry;
    });
}
