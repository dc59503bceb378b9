/**
 * Codes of problems the CLI itself reports (not the config, models or sync steps). Same shape as
 * the other catalogues; `docs/errors.md` lists them and `test/config/codes.test.ts` keeps both in step.
 */
export const CLI_CATALOGUE = {
  'CLI.CONFIG_EXISTS': '`mlgen init` found an `mlservice.yaml` already; nothing is written (exit 2).',
  'CLI.INVALID_ANSWER':
    '`mlgen init` or `yo mlservice` got an answer the starter config cannot use (a `--fields` entry that is not `name:type` with a known type, an A/B split without a string or integer field); nothing is written (exit 64).',
} as const;

export type CliCode = keyof typeof CLI_CATALOGUE;
