import type { ServiceModel } from '../config/model.js';
import type { OutputFile } from './types.js';
import { hooksContractModule, typesModule } from './ts/contract.js';
import { hooksModule } from './ts/default-hooks.js';
import { updateHooks } from './ts/hooks-update.js';
import { mainModule, serviceModule } from './ts/service-module.js';

const EMITTER = 'typescript';

/**
 * The generated service's TypeScript sources: body types, the hooks contract, the route table and
 * the entry point (all `generated`), and `src/hooks.ts` (written once, then the user's). Fixed code
 * (hook helpers, the smoke harness, the server) is imported from @mlservice/runtime; the OpenAPI
 * document is read from `openapi.yaml` at start-up, and the runtime compiles the request validators
 * from its request schemas then (no compiled validator in the project). Project files come from
 * `typescript-project.ts`.
 */
export function emitTypeScript(model: ServiceModel): OutputFile[] {
  const endpoints = ['/endpoints'];
  const gen = (path: string, content: string, inputs: string[]): OutputFile => ({
    path,
    content,
    owner: 'generated',
    emitter: EMITTER,
    inputs,
  });
  return [
    gen('src/generated/types.ts', typesModule(model), endpoints),
    gen('src/generated/hooks-contract.ts', hooksContractModule(model), endpoints),
    gen('src/generated/service.ts', serviceModule(model), ['/endpoints', '/models', '/server', '/service']),
    gen('src/main.ts', mainModule(), []),
    {
      path: 'src/hooks.ts',
      content: hooksModule(model),
      owner: 'scaffold',
      emitter: EMITTER,
      // The default row's key and width come from the models' inputs when sync saw the files.
      inputs: ['/endpoints', '/models'],
      update: (existing) => updateHooks(existing, model.endpoints),
    },
  ];
}
