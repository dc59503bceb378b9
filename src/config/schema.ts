/**
 * The JSON Schema of mlservice.yaml (`schemas/mlservice.schema.json`), read once from the package
 * and compiled with ajv. The file is the single source of truth: validation, editor completion
 * (`yaml-language-server`) and `docs/config-reference.md` all come from it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import standaloneModule from 'ajv/dist/standalone/index.js';
import addFormatsModule from 'ajv-formats';

export type SchemaNode = { [key: string]: unknown };

const SCHEMA_FILE = join('schemas', 'mlservice.schema.json');

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const standaloneCode = standaloneModule as unknown as typeof standaloneModule.default;

/** The config validator as ajv standalone code, written beside this module by `npm run build`. */
export const PRECOMPILED_VALIDATOR = 'config-validator.cjs';

/** Walks up from this module to the package root (works from `src/` under vitest and from `dist/`). */
export function schemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, SCHEMA_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`internal: ${SCHEMA_FILE} not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

let cachedText: string | undefined;
const schemaText = (): string => (cachedText ??= readFileSync(schemaPath(), 'utf8'));

let cachedSchema: SchemaNode | undefined;
export function configSchema(): SchemaNode {
  cachedSchema ??= JSON.parse(schemaText()) as SchemaNode;
  return cachedSchema;
}

/**
 * An ajv instance. Strict, so typos in user-written schemas (`maxitems`) fail to compile instead of
 * being ignored. `useDefaults` only for the config itself: the schema's `default`s are the defaults.
 */
export function newAjv(useDefaults = false, validateSchema = true, source = false): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true, useDefaults, validateSchema, code: { source } });
  addFormats(ajv);
  return ajv;
}

/**
 * Keywords of our schema that are not JSON Schema's. `x-fix: {<keyword>: <fix>}` on a schema node
 * is the fix the loader prints when that keyword of that node fails (see schema-errors.ts). Editors
 * ignore unknown keywords; ajv's strict mode needs them declared (`addVocabulary`).
 */
export const SCHEMA_ANNOTATIONS = ['x-fix'] as const;

/** The ajv that validates mlservice.yaml: defaults applied, our annotation keywords known. */
export function configAjv(source = false): Ajv2020 {
  // Our own schema is checked against the 2020-12 meta-schema by test/config/schema.test.ts;
  // skipping that check here saves compiling the meta-schema on every CLI start.
  const ajv = newAjv(true, false, source);
  ajv.addVocabulary([...SCHEMA_ANNOTATIONS]);
  return ajv;
}

let cachedUserAjv: Ajv2020 | undefined;
/**
 * One shared instance for user-written schemas: a fresh ajv compiles the draft 2020-12
 * meta-schema again (~60 ms), more than the rest of loading a config. Callers remove what they
 * compile (`removeSchema`) so `$id`s from one config never clash with the next.
 */
export function userSchemaAjv(): Ajv2020 {
  cachedUserAjv ??= newAjv();
  return cachedUserAjv;
}

let cachedValidator: ValidateFunction | undefined;
export function configValidator(): ValidateFunction {
  cachedValidator ??= precompiledValidator() ?? configAjv().compile(configSchema());
  return cachedValidator;
}

const schemaSha256 = (): string => createHash('sha256').update(schemaText()).digest('hex');

/**
 * Compiling the config schema costs ~60 ms on every CLI start; the build compiles it once into
 * standalone code (the same generated functions, so the same errors). Used only when it was built
 * from the schema file as it is now; under vitest (no build output beside `src/`) ajv compiles.
 */
function precompiledValidator(): ValidateFunction | undefined {
  let built: { default: ValidateFunction; schemaSha256: string };
  try {
    built = createRequire(import.meta.url)(`./${PRECOMPILED_VALIDATOR}`) as typeof built;
  } catch {
    return undefined;
  }
  return built.schemaSha256 === schemaSha256() ? built.default : undefined;
}

/** CommonJS source of the precompiled config validator (see `scripts/build-config-validator.mjs`). */
export function configValidatorSource(): string {
  const ajv = configAjv(true);
  const code = standaloneCode(ajv, ajv.compile(configSchema()));
  return `${code}\nmodule.exports.schemaSha256 = ${JSON.stringify(schemaSha256())};\n`;
}

/** Resolves a local `$ref` (`#/$defs/x`) so callers can read descriptions, examples and defaults. */
export function resolveRef(node: SchemaNode): SchemaNode {
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  let target: unknown = configSchema();
  for (const s of ref.slice(2).split('/')) target = (target as SchemaNode)[s];
  return { ...resolveRef(target as SchemaNode), ...node };
}

/** The `default` at a JSON pointer into the schema, e.g. `/$defs/batching/properties/maxQueueRows`. */
export function schemaDefault(pointer: string): unknown {
  let node: unknown = configSchema();
  for (const s of pointer.slice(1).split('/')) node = (node as SchemaNode | undefined)?.[s];
  const value = (node as SchemaNode | undefined)?.default;
  if (value === undefined) throw new Error(`internal: no default at ${pointer}`);
  return value;
}
