/**
 * Every exit code of mlgen and mlgen-ci, in one table: sysexits(3) codes where one fits (64 usage,
 * 65 data, 66 no input, 69 unavailable, 70 software). docs/errors.md lists the same table, and
 * test/cli/exit-codes.test.ts refuses an exit code written as a bare number anywhere in src/.
 * @see https://man.freebsd.org/cgi/man.cgi?query=sysexits
 */
export const EXIT = {
  ok: 0,
  drift: 1,
  conflict: 2,
  usage: 64,
  invalidConfig: 65,
  noInput: 66,
  unavailable: 69,
  internal: 70,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each code means, as docs/errors.md says it. */
export const EXIT_MEANINGS: Record<keyof typeof EXIT, string> = {
  ok: 'Done; `mlgen check`: the generated files are in sync.',
  drift: '`mlgen check`: a generated file differs from what the config gives; run `mlgen sync`.',
  conflict: 'A generated file was edited by hand or conflicts, or `mlgen init` found an `mlservice.yaml`; nothing is written.',
  usage:
    'The command line is wrong: an unknown command or option, a missing subcommand, or an answer `mlgen init` / `yo mlservice` cannot use; for `mlgen-ci`, also a bad option value or a variable its step needs that is not set.',
  invalidConfig: 'Invalid input: `mlservice.yaml`, the lock file, a model file or a file of `deploy/spinnaker/`.',
  noInput: 'An input cannot be read: the git history `mlgen diff` compares with, the lock file `mlgen-ci` reads.',
  unavailable: 'A service the command needs failed: the model registry, an artifact store, Spinnaker, the GitHub API; or a program `mlgen-ci` runs could not start.',
  internal: 'A bug in mlgen; rerun with `MLGEN_DEBUG=1` for a stack trace and report it.',
};
