import type { ServiceModel } from '../config/model.js';
import type { OutputFile } from './types.js';
import { initialPackageJson, npmrcBlock, tsconfigJson, updateNpmrc, updatePackageJson } from './ts/project-files.js';
import { smokeTestModule } from './ts/smoke-test.js';

const EMITTER = 'typescript-project';

/**
 * The generated service's project files: `package.json` (mlgen owns named paths only),
 * `tsconfig.json`, the `.npmrc` block and the smoke test.
 */
export function emitTypeScriptProject(model: ServiceModel): OutputFile[] {
  return [
    {
      path: 'package.json',
      content: initialPackageJson(model),
      owner: 'shared',
      emitter: EMITTER,
      inputs: ['/service'],
      update: updatePackageJson,
    },
    { path: 'tsconfig.json', content: tsconfigJson(), owner: 'generated', emitter: EMITTER, inputs: [] },
    { path: '.npmrc', content: `${npmrcBlock()}\n`, owner: 'shared', emitter: EMITTER, inputs: [], update: updateNpmrc },
    { path: 'test/smoke.test.mjs', content: smokeTestModule(model), owner: 'generated', emitter: EMITTER, inputs: ['/endpoints'] },
  ];
}
