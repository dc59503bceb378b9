import type { ServiceModel } from '../config/index.js';
import type { LocalChange } from '../review/index.js';
import { openBase } from '../review/git-base.js';

export interface ReviewBase {
  /** The config at the base; `null` only when the base really has none (see `openBase`). */
  before: ServiceModel | null;
  /** Local changes kept in generated files now, with their status against the base's manifest. */
  localChanges: LocalChange[];
}

/**
 * What the change summary compares with, read at a git revision (default HEAD) in memory: no
 * checkout, no writes. A repository git cannot read, or a base that is not in the clone, throws a
 * REVIEW diagnostic (exit 66) instead of passing for a new service.
 */
export async function reviewBase(root: string, configFile: string, ref = 'HEAD'): Promise<ReviewBase> {
  const base = await openBase(root, ref, configFile);
  const [{ parseConfigText }, { MANIFEST_PATH, parseManifest, readManifest }, { localChanges }] = await Promise.all([
    import('../config/index.js'),
    import('../sync/manifest.js'),
    import('../review/index.js'),
  ]);
  const text = await base.read(configFile);
  const before = text === null ? null : parseConfigText(text, `${ref}:${configFile}`);
  const now = await readManifest(root);
  const baseText = await base.read(MANIFEST_PATH);
  let baseFiles: ReturnType<typeof parseManifest>['files'] | undefined;
  try {
    // A base manifest mlgen cannot read (another manifest version, merge markers) has no local changes to compare.
    baseFiles = baseText === null ? undefined : parseManifest(baseText).files;
  } catch {
    baseFiles = undefined;
  }
  return { before, localChanges: localChanges(now.kind === 'ok' ? now.manifest.files : undefined, baseFiles) };
}
