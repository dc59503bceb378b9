import { generatorInfo } from '../../version.js';

/**
 * What a generated project depends on, pinned to the versions this mlgen release was tested with
 * (`test/emit/typescript-project.test.ts` checks them against the repo's installed packages).
 */
export const RUNTIME_RANGE = '^0.2.0';

/**
 * Dependencies earlier mlgen releases wrote into `package.json` and this one does not own: sync
 * removes each while it still holds exactly the value mlgen wrote (the rule sync applies to a stale
 * generated file); another value is the user's choice and stays. ajv and ajv-formats were required
 * by the generated standalone validators; @mlservice/runtime now compiles the validators at
 * start-up and depends on them itself.
 */
export const RETIRED_DEPENDENCIES: Readonly<Record<string, string>> = {
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
