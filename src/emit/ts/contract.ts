import type { ServiceModel } from '../../config/model.js';
import { bodyTypeNames, jsDoc, propertyKey } from './names.js';
import { schemaType } from './schema-type.js';
import { TsFile } from './ts-file.js';

export const RUNTIME_PACKAGE = '@mlservice/runtime';

/** `src/generated/types.ts`: the request and response body of every endpoint, from its JSON Schemas. */
export function typesModule(model: ServiceModel): string {
  const file = new TsFile('src/generated/types.ts');
  for (const e of model.endpoints) {
    const names = bodyTypeNames(e.name);
    const doc = (s: unknown, fallback: string) => jsDoc(typeof (s as { description?: unknown }).description === 'string' ? String((s as { description: string }).description) : fallback);
    file.add(`${doc(e.input, `Request body of POST ${e.path}.`)}export type ${file.declare(names.request)} = ${schemaType(e.input)};`);
    file.add(`${doc(e.output, `Response body of POST ${e.path}.`)}export type ${file.declare(names.response)} = ${schemaType(e.output)};`);
  }
  return file.render();
}

/**
 * `src/generated/hooks-contract.ts`: the shape `src/hooks.ts` must satisfy. Because the user's file
 * says `satisfies Hooks`, a schema change that breaks a hook is a `tsc` error there, not a
 * silent overwrite.
 */
export function hooksContractModule(model: ServiceModel): string {
  const file = new TsFile('src/generated/hooks-contract.ts');
  const ctx = file.use('HookContext', RUNTIME_PACKAGE, { typeOnly: true });
  const row = file.use('ModelRow', RUNTIME_PACKAGE, { typeOnly: true });
  const out = file.use('ModelOutputRow', RUNTIME_PACKAGE, { typeOnly: true });
  const members = model.endpoints.map((e) => {
    const t = bodyTypeNames(e.name);
    const req = file.use(t.request, 'src/generated/types.js', { typeOnly: true });
    const res = file.use(t.response, 'src/generated/types.js', { typeOnly: true });
    return [
      jsDoc(`Hooks of POST ${e.path}.`, '  ').trimEnd(),
      `  ${propertyKey(e.name)}: {`,
      '    /** Request body -> model rows (one per candidate when ranking). */',
      `    preprocess(input: ${req}, ctx: ${ctx}): ${row}[] | Promise<${row}[]>;`,
      '    /** Model output rows, in the order of the preprocessed rows -> response body. */',
      `    postprocess(outputs: ${out}[], input: ${req}, ctx: ${ctx}): ${res} | Promise<${res}>;`,
      '  };',
    ].join('\n');
  });
  file.add(`/** One entry per endpoint in mlservice.yaml. */\nexport interface ${file.declare('Hooks')} {\n${members.join('\n')}\n}`);
  return file.render();
}
