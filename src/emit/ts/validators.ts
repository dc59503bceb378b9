import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import addFormatsPlugin from 'ajv-formats';
import type { ServiceModel } from '../../config/model.js';
import { GENERATED_MARKER } from '../types.js';
import { RUNTIME_PACKAGE } from './contract.js';
import { validatorName } from './names.js';
import { TsFile } from './ts-file.js';

// Both packages are CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;
const standalone = standaloneCode as unknown as typeof standaloneCode.default;

/**
 * Request validators compiled at generation time with ajv's standalone mode, so the service never
 * compiles a schema at start-up (and needs no `unsafe-eval`). `allErrors`: the problem+json
 * response lists every failing field, not only the first.
 * @see https://ajv.js.org/standalone.html
 */
export function validatorsSource(model: ServiceModel): string {
  // Two emitters ask for the same code in one sync (the module and package.json's dependencies);
  // compiling costs ~50 ms, so remember the last result, keyed by everything it depends on.
  const key = JSON.stringify(model.endpoints.map((e) => [e.name, e.input]));
  if (last?.key !== key) last = { key, source: compileValidators(model) };
  return last.source;
}

let last: { key: string; source: string } | undefined;

function compileValidators(model: ServiceModel): string {
  // Not `strict`, no meta-schema check: the config loader already compiled every endpoint schema
  // and reported problems with positions (src/config/rules-endpoint.ts); here they would only be a
  // stack trace, and skipping the meta-schema makes this ~8x faster. `logger: false` keeps the
  // emitter free of console output.
  const ajv = new Ajv2020({ code: { source: true, esm: true, lines: true }, allErrors: true, strict: false, strictNumbers: true, logger: false, validateSchema: false });
  addFormats(ajv);
  const exports: Record<string, string> = {};
  for (const e of model.endpoints) {
    const id = `#endpoint/${e.name}`;
    ajv.addSchema(e.input, id);
    exports[validatorName(e.name)] = id;
  }
  const code = standalone(ajv, exports).replace(/^"use strict";\n?/, '');
  return `// ${GENERATED_MARKER}\n${esmPrelude(code)}${code.replace(/\n*$/, '\n')}`;
}

/**
 * Ajv's ESM output still calls `require()` for its runtime helpers (ajv-validator/ajv#2209);
 * an ES module has no `require`, so give it one bound to this file.
 */
function esmPrelude(code: string): string {
  if (!/\brequire\(/.test(code)) return '';
  return 'import { createRequire } from "node:module";\nconst require = createRequire(import.meta.url);\n';
}

/** npm packages the standalone code loads at run time (`ajv`, `ajv-formats`), sorted. */
export function validatorRuntimePackages(source: string): string[] {
  const found = new Set<string>();
  for (const m of source.matchAll(/\brequire\("((?:@[^/"]+\/)?[^/"]+)/g)) found.add(m[1]!);
  return [...found].sort();
}

/** The `.d.ts` beside the generated JS: one typed export per endpoint. */
export function validatorsDeclarations(model: ServiceModel): string {
  const file = new TsFile('src/generated/validators.d.ts');
  const fn = file.use('ValidateFn', RUNTIME_PACKAGE, { typeOnly: true });
  file.add(model.endpoints.map((e) => `export declare const ${file.declare(validatorName(e.name))}: ${fn};`).join('\n'));
  return file.render();
}
