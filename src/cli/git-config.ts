import type { ServiceModel } from '../config/index.js';
import { openBase } from '../review/git-base.js';

/**
 * The config as it was at a git revision (default HEAD), parsed in memory: no checkout, no
 * writes. `null` only when the base really has no config (the change adds it, or nothing is
 * committed yet). A repository git cannot read, or a base that is not in the clone, throws a
 * REVIEW diagnostic (exit 66) instead of passing for a new service.
 */
export async function configAtRevision(root: string, configFile: string, ref = 'HEAD'): Promise<ServiceModel | null> {
  const base = await openBase(root, ref, configFile);
  const text = await base.read(configFile);
  if (text === null) return null;
  const { parseConfigText } = await import('../config/index.js');
  return parseConfigText(text, `${ref}:${configFile}`);
}
