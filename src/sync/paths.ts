import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { DiagnosticError, EXIT } from '../diagnostics.js';
import { SYNC_CODES } from './codes.js';

/**
 * Every path the engine touches is a POSIX path relative to the project root. Paths come from
 * emitters (a bug if bad) and from the committed manifest (may be tampered with), so both are
 * checked before anything is read, written or deleted (projen's `resolveWithinDir` lesson).
 */
export function checkRelativePath(path: string, source: string): void {
  const problem = pathProblem(path);
  if (problem) {
    throw new DiagnosticError(
      [
        {
          code: SYNC_CODES.PATH_INVALID,
          severity: 'error',
          message: `${source} names "${path}": ${problem}`,
          fix: 'paths must be relative to the project root, with no "..", "." or empty segments',
          file: source,
          line: 0,
          col: 0,
        },
      ],
      EXIT.internal,
    );
  }
}

function pathProblem(path: string): string | undefined {
  if (path === '') return 'empty path';
  if (path.includes('\0')) return 'contains a NUL byte';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.startsWith('/') || isAbsolute(path) || /^[A-Za-z]:/.test(path)) return 'absolute path';
  for (const seg of path.split('/')) {
    if (seg === '..') return 'escapes the project root with ".."';
    if (seg === '' || seg === '.') return 'has an empty or "." segment';
  }
  return undefined;
}

/**
 * Resolves `path` under `root` and refuses it when the deepest existing part of it (the file
 * itself if it exists, else its nearest existing ancestor) really lives outside the root, which is
 * how a symlink would redirect a write or a delete.
 */
export async function resolveInside(root: string, realRoot: string, path: string): Promise<string> {
  const abs = join(root, ...path.split('/'));
  let probe = abs;
  for (;;) {
    const exists = await lstat(probe).then(
      () => true,
      () => false,
    );
    if (exists) break;
    if (probe === root) return abs;
    probe = dirname(probe);
  }
  const real = await realpath(probe).catch(() => probe);
  const rel = relative(realRoot, real);
  if (rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel))) return abs;
  throw new DiagnosticError(
    [
      {
        code: SYNC_CODES.PATH_OUTSIDE_ROOT,
        severity: 'error',
        message: `${path} resolves to ${real}, outside the project (a symlink on the way?)`,
        fix: 'replace the symlink with a real file or directory; mlgen only writes inside the project',
        file: path,
        line: 0,
        col: 0,
      },
    ],
    EXIT.conflict,
  );
}
