/**
 * Relative paths that come from outside (artifact listings, `MLmodel`, URLs) are checked here
 * before they touch the disk, so no server or model file can write or read outside `models/<name>/`.
 */
import { MODELS_CODES, ModelsError, excerpt } from './errors.js';

/** True for a POSIX path of plain segments: no empty, `.` or `..` segment, no `\`, NUL or leading `/`. */
export function isSafeRelativePath(path: string): boolean {
  if (path === '' || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

export function assertSafeRelativePath(path: string, where: string): string {
  if (!isSafeRelativePath(path)) {
    throw new ModelsError(
      MODELS_CODES.UNSAFE_PATH,
      `${where}: refusing path "${excerpt(path, 120)}" (absolute, empty, or with "." / ".." segments)`,
      'the model files must stay inside the model directory; fix the artifact or MLmodel that names this path',
    );
  }
  return path;
}

/** UTF-16 code unit order (what `Array.sort()` does): deterministic, independent of the locale. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
