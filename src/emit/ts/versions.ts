/**
 * What a generated project depends on, pinned to the versions this mlgen release was tested with
 * (`test/emit/typescript-project.test.ts` checks them against the repo's installed packages).
 * ajv and ajv-formats are exact: the standalone validators `require()` their internal
 * `dist/runtime/*` and `dist/formats` files, which are not semver-covered API.
 */
export const RUNTIME_RANGE = '^0.1.0';

export const VALIDATOR_PACKAGES: Readonly<Record<string, string>> = {
  ajv: '8.20.0',
  'ajv-formats': '3.0.1',
};

export const DEV_PACKAGES: Readonly<Record<string, string>> = {
  '@types/node': '^20.19.43',
  typescript: '~5.9.3',
};

export const NODE_ENGINE = '>=20.17';
