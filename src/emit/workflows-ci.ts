/**
 * A workflow step that runs `mlgen-ci` (src/ci/main.ts, the generator package's bin): the program
 * ships with mlgen, the workflow only names the command and its values. Each value goes through
 * the step's `env:` and reaches the command as one quoted `--name="$VAR"` argument (the `=` form,
 * so a value starting with `-` is never read as an option): nothing from the config, the event or
 * a secret is ever interpolated into the script text.
 * @see https://docs.github.com/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-an-intermediate-environment-variable
 */

/** `--option` -> [environment variable, its value in the step's env]. */
export type CiArgs = Record<string, [variable: string, value: string]>;

/** `env`: further variables the command reads itself (secrets); `flags`: options without a value. */
export function ci(name: string, command: string, args: CiArgs, env: Record<string, string> = {}, flags: string[] = []) {
  const options = Object.entries(args).map(([option, [variable]]) => `--${option}="$${variable}"`);
  const values = Object.fromEntries(Object.values(args));
  return { name, env: { ...values, ...env }, run: ['npx --no mlgen-ci', command, ...options, ...flags.map((f) => `--${f}`)].join(' ') };
}
