import { generatorInfo } from '../../version.js';

/**
 * What a generated project depends on, pinned to the versions this mlgen release was tested with
 * (`test/emit/typescript-project.test.ts` checks them against the repo's installed packages).
 * ajv and ajv-formats are exact: the standalone validators `require()` their internal
 * `dist/runtime/*` and `dist/formats` files, which are not semver-covered API.
 */
export const RUNTIME_RANGE = '^0.2.0';

export const VALIDATOR_PACKAGES: Readonly<Record<string, string>> = {
  ajv: '8.20.0',
  'ajv-formats': '3.0.1',
};

/**
 * `generator-mlservice` is a dev dependency of every generated project, the way code generators
 * like prisma or openapi-typescript are: CI runs `npx --no mlgen check` with the exact generator
 * that wrote the files, and editors find the config schema under its folder. The image's build
 * stage installs it with the other dev dependencies and prunes it before the runtime stage.
 */
export const DEV_PACKAGES: Readonly<Record<string, string>> = {
  '@types/node': '^20.19.43',
  'generator-mlservice': `^${generatorInfo().version}`,
  typescript: '~5.9.3',
};

export const NODE_ENGINE = '>=20.17';
