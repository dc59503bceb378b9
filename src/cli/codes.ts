/**
 * Codes of problems the CLI itself reports (not the config, models or sync steps). Same shape as
 * the other catalogues; `docs/errors.md` lists them and `test/config/codes.test.ts` keeps both in step.
 */
export const CLI_CATALOGUE = {
  'CLI.CONFIG_EXISTS': '`mlgen init` found an `mlservice.yaml` already; nothing is written (exit 2).',
} as const;

export type CliCode = keyof typeof CLI_CATALOGUE;
