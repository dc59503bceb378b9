/**
 * Reads files as they were at a git revision (the base of a change summary), in memory: no
 * checkout, no writes. When git cannot answer, the reason is an error with a code and a fix, never
 * "no previous config": a summary that calls an existing service "new" because the repository was
 * unreadable would hide every real change from the reviewer.
 *
 * The one legitimate "nothing before" cases are answered as `null`: the base commit exists but
 * has no such file (the change adds it), or the repository has no commit yet and the base is HEAD.
 * @see https://git-scm.com/docs/git-rev-parse (--verify, --end-of-options, --is-shallow-repository)
 * @see https://git-scm.com/docs/git-config#Documentation/git-config.txt-safedirectory
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { DiagnosticError, EXIT, type Diagnostic } from '../diagnostics.js';

const run = promisify(execFile);

/**
 * Codes for problems reading the base revision (`mlgen diff`, the summary `mlgen sync` prints).
 * Same shape as the other catalogues; `docs/errors.md` and `test/config/codes.test.ts` keep step.
 */
export const REVIEW_CATALOGUE = {
  'REVIEW.GIT_NOT_FOUND': 'git is not installed or not on PATH, so the base revision cannot be read (exit 66).',
  'REVIEW.NOT_A_REPOSITORY': 'The project is not inside a git work tree, so there is no base revision to compare with (exit 66).',
  'REVIEW.UNSAFE_REPOSITORY': 'git refuses to read the repository because another user owns it ("detected dubious ownership") (exit 66).',
  'REVIEW.BASE_NOT_FOUND': 'The base revision is not in this clone: a typo, or a shallow CI checkout that did not fetch it (exit 66).',
  'REVIEW.GIT_FAILED': 'git failed for another reason (unreadable or damaged repository); its message is shown (exit 66).',
} as const;

export type ReviewCode = keyof typeof REVIEW_CATALOGUE;

export interface GitBase {
  /** The revision as the user gave it (`HEAD`, `origin/main`, a SHA). */
  ref: string;
  /**
   * A file at the base, by path relative to the project root; `null` when the base has no such file
   * (or there is no commit yet). Throws a REVIEW diagnostic when git fails.
   */
  read(file: string): Promise<string | null>;
}

interface GitFailure {
  code?: string | number;
  stderr?: string | Buffer;
}

function stderrOf(e: unknown): string {
  return String((e as GitFailure).stderr ?? '').trim();
}

function problem(code: ReviewCode, message: string, fix: string, file: string): DiagnosticError {
  const d: Diagnostic = { code, severity: 'error', message, fix, file, line: 0, col: 0 };
  return new DiagnosticError([d], EXIT.noInput);
}

/** Turns a failed git call into the diagnostic that names its cause. */
function explain(e: unknown, root: string, configFile: string): DiagnosticError {
  if ((e as GitFailure).code === 'ENOENT') {
    return problem('REVIEW.GIT_NOT_FOUND', 'cannot compare with a git revision: git is not installed or not on PATH', 'install git (e.g. apt-get install git) or put it on PATH', configFile);
  }
  const stderr = stderrOf(e);
  const dubious = /detected dubious ownership in repository at '([^']*)'/.exec(stderr);
  if (dubious) {
    const repo = dubious[1] ?? root;
    return problem(
      'REVIEW.UNSAFE_REPOSITORY',
      `git refuses to read ${repo}: it is owned by another user (git: "detected dubious ownership")`,
      `if you trust it, allow it once: git config --global --add safe.directory ${repo}; in a CI container, run the job as the user that checked it out`,
      configFile,
    );
  }
  if (/not a git repository/i.test(stderr)) {
    return problem(
      'REVIEW.NOT_A_REPOSITORY',
      `cannot compare with a git revision: ${root} is not in a git repository`,
      'run it in a git checkout of the service (git init, then commit mlservice.yaml); `mlgen sync --dry-run --diff` shows what the config generates without history',
      configFile,
    );
  }
  const first = stderr.split('\n').find((l) => l.trim() !== '') ?? String((e as Error).message ?? e);
  return problem('REVIEW.GIT_FAILED', `git failed: ${first}`, `run \`git -C ${root} status\` and \`git fsck\` to see what is wrong with the repository`, configFile);
}

async function git(root: string, args: string[], maxBuffer = 1 << 20): Promise<string> {
  const { stdout } = await run('git', args, { cwd: root, maxBuffer, encoding: 'utf8' });
  return stdout;
}

/** Output of a git call that answers "no" with a silent exit 1 (`--verify --quiet`); null for no. */
async function answer(root: string, args: string[]): Promise<string | null> {
  try {
    return (await git(root, args)).trim();
  } catch (e) {
    if ((e as GitFailure).code === 1 && stderrOf(e) === '') return null;
    throw e;
  }
}

async function missingBase(root: string, ref: string, configFile: string): Promise<DiagnosticError> {
  const shallow = (await git(root, ['rev-parse', '--is-shallow-repository']).catch(() => '')).trim() === 'true';
  const where = shallow ? 'this shallow clone (only the latest commits were fetched)' : 'this clone';
  return problem(
    'REVIEW.BASE_NOT_FOUND',
    `git revision ${JSON.stringify(ref)} is not in ${where}`,
    `fetch it (git fetch origin ${ref.startsWith('-') ? '<ref>' : ref}) or pass an existing revision with --base; a GitHub Actions checkout needs fetch-depth: 0`,
    configFile,
  );
}

/**
 * Opens `ref` in the repository holding `root`. `configFile` (relative to the root) only names
 * where diagnostics point. Throws a REVIEW diagnostic (exit 66) when git cannot read it.
 */
export async function openBase(root: string, ref: string, configFile: string): Promise<GitBase> {
  let top: string;
  let commit: string | null;
  try {
    top = (await git(root, ['rev-parse', '--show-toplevel'])).trim();
    // A ref that looks like an option is never passed on (`--base=--output=x`).
    commit = ref.startsWith('-') ? null : await answer(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
    // No commit yet and the default base: everything is new, which is the truth.
    if (commit === null && !(ref === 'HEAD' && (await answer(root, ['symbolic-ref', '--quiet', 'HEAD'])) !== null)) {
      throw await missingBase(root, ref, configFile);
    }
  } catch (e) {
    throw e instanceof DiagnosticError ? e : explain(e, root, configFile);
  }
  const prefix = path.relative(top, path.resolve(root)).split(path.sep).join('/');
  return {
    ref,
    async read(file) {
      if (commit === null) return null;
      const full = `${prefix ? `${prefix}/` : ''}${file}`;
      try {
        // `<mode> <type> <object>\t<path>\0`; nothing when the base has no such path.
        const entry = await git(root, ['ls-tree', '-z', '--full-tree', commit, '--', full]);
        const m = /^\d+ blob ([0-9a-f]+)\t/.exec(entry);
        return m ? await git(root, ['cat-file', 'blob', m[1]!], 64 << 20) : null;
      } catch (e) {
        throw explain(e, root, configFile);
      }
    },
  };
}
