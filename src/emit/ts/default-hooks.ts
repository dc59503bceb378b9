import type { EndpointSpec, JsonSchema, ModelInput, ServiceModel } from '../../config/model.js';
import { lineComment, propertyAccess, propertyKey } from './names.js';
import { TsFile } from './ts-file.js';

/**
 * The default hooks written into `src/hooks.ts` once. They work for the common case and say
 * plainly what they assume:
 * - features: numeric and boolean top-level fields in schema order, then numeric arrays with a
 *   `maxItems`: the body's own array when the schema fixes its length (no copy), else zero-padded
 *   to it; missing optional values count as 0;
 * - one row of plain numbers under the model's input name when sync saw the model file, else
 *   under {@link DEFAULT_INPUT_NAME}: the runtime writes it straight into the batch tensor of the
 *   input's element type and refuses (400) a value that type cannot hold, so no typed array is
 *   built per request; a width that differs from the model's fixed row size is called out in a comment;
 * - ranking (the response has an array field and the request a required array field): one row per
 *   candidate, the candidate value appended as the last feature; scores come back in candidate
 *   order, or as `{id, score}` objects sorted by score when the response items are objects.
 */
export const DEFAULT_INPUT_NAME = 'input';

/** The helpers the defaults call, versioned with the runtime (runtime/src/hooks.ts). */
export const HOOK_HELPERS = '@mlservice/runtime/hooks';

type Props = Record<string, JsonSchema>;

interface Plan {
  /** Spread-able expressions over `input` that give the shared features. */
  features: string[];
  /** Fields the default ignores (strings, open arrays), for the comment. */
  skipped: string[];
  candidates?: { key: string; schema: JsonSchema; required: boolean };
  /** Values per row the default builds. */
  width: number;
}

export function hooksModule(model: ServiceModel): string {
  const file = new TsFile('src/hooks.ts', HEADER);
  const inputsOf = (e: EndpointSpec) => model.models.find((m) => m.name === (e.model ?? e.ab?.variants[0]?.model))?.inputs;
  const entries = model.endpoints.map((e) => `  ${propertyKey(e.name)}: ${endpointHooks(file, e, inputsOf(e))},`);
  const contract = file.use('Hooks', 'src/generated/hooks-contract.js', { typeOnly: true });
  file.add(`export const ${file.declare('hooks')} = {\n${entries.join('\n')}\n} satisfies ${contract};`);
  return file.render();
}

const HEADER = `/**
 * Hooks: request body -> model rows, model outputs -> response body, one pair per endpoint.
 *
 * This file is yours. mlgen wrote it once and never overwrites it; when mlservice.yaml gains an
 * endpoint, \`mlgen sync\` inserts a stub for it and changes nothing else. Its types come from
 * src/generated/hooks-contract.ts, so a schema change that breaks a hook fails \`tsc\` here.
 *
 * The defaults use the numeric fields in schema order (arrays of a fixed length as they are,
 * others zero-padded to maxItems) as one row under the model's input name (or "${DEFAULT_INPUT_NAME}" when
 * the model file was not there when this file was written: then rename the key to your model's
 * input name). The service converts the row to the input's element type.
 */`;

/** The `{ preprocess, postprocess }` object of one endpoint: working defaults where the schemas allow. */
export function endpointHooks(file: TsFile, e: EndpointSpec, inputs?: ModelInput[]): string {
  const plan = planFeatures(e);
  const target = rowTarget(inputs);
  const notes = [...target.notes, ...widthNote(plan, inputs)];
  if (plan.skipped.length) notes.push(`Not used by the default: ${plan.skipped.join(', ')}.`);
  const pre = preprocessBody(file, plan, target);
  const post = postprocessBody(file, e, plan);
  return `{\n${notes.map((n) => `    // ${lineComment(n)}\n`).join('')}${pre}\n${post}\n  }`;
}

interface RowTarget {
  key: string;
  notes: string[];
}

/** Which model input the default row feeds, from the signature sync read (when it had the file). */
function rowTarget(inputs: ModelInput[] | undefined): RowTarget {
  if (!inputs?.length) return { key: propertyKey(DEFAULT_INPUT_NAME), notes: [] };
  const [first] = inputs;
  const notes: string[] = [];
  if (inputs.length > 1) notes.push(`The model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}): add one entry per input to each row.`);
  const type = first!.elemType ?? 'float';
  const float = type === 'float' || type === 'double';
  // A plain array reaches the runtime exactly (a Float32Array would round an int64 id above 2^24);
  // the runtime converts it and answers 400 for a value that does not fit.
  if (!float) notes.push(`Input "${first!.name}" takes ${type} elements: the row stays a plain array; the service converts it and refuses (400) a value ${type} cannot hold.`);
  return { key: propertyKey(first!.name), notes };
}

/** A comment when the default row width differs from the model's fixed row size. */
function widthNote(plan: Plan, inputs: ModelInput[] | undefined): string[] {
  const dims = inputs?.[0]?.dims;
  const want = dims?.length === 2 ? dims[1] : undefined;
  if (typeof want !== 'number' || plan.width === want) return [];
  return [`The model expects ${want} values per row; this default builds ${plan.width}: adjust it.`];
}

/** A stub for an endpoint added after the file was written: typed, but it needs the user's code. */
export function endpointStub(e: EndpointSpec, indent: string): string {
  const say = (hook: string) => JSON.stringify(`${hook} of endpoint "${e.name}" is not written yet (src/hooks.ts)`);
  return [
    `${indent}${propertyKey(e.name)}: {`,
    `${indent}  // Added by mlgen sync for a new endpoint in mlservice.yaml: replace both bodies.`,
    `${indent}  preprocess(input, ctx) {`,
    `${indent}    throw new Error(${say('preprocess')});`,
    `${indent}  },`,
    `${indent}  postprocess(outputs, input, ctx) {`,
    `${indent}    throw new Error(${say('postprocess')});`,
    `${indent}  },`,
    `${indent}},`,
  ].join('\n');
}

function planFeatures(e: EndpointSpec): Plan {
  const props = (e.input.properties ?? {}) as Props;
  const required = new Set((e.input.required ?? []) as string[]);
  const ranking = Object.values((e.output.properties ?? {}) as Props).some((s) => s.type === 'array');
  const arrays = Object.keys(props).filter((k) => props[k]!.type === 'array');
  const candidateKey = ranking ? (arrays.find((k) => required.has(k)) ?? arrays[0]) : undefined;
  const plan: Plan = { features: [], skipped: [], width: 0 };
  for (const [key, schema] of Object.entries(props)) {
    const value = propertyAccess('input', key);
    const opt = !required.has(key);
    const feature = (expr: string, width: number) => {
      plan.features.push(expr);
      plan.width += width;
    };
    if (key === candidateKey) {
      plan.candidates = { key, schema, required: !opt };
      if (isNumericArray(schema)) plan.width += 1;
    } else if (schema.type === 'number' || schema.type === 'integer') feature(opt ? `${value} ?? 0` : value, 1);
    else if (schema.type === 'boolean') feature(`${value} ? 1 : 0`, 1);
    else if (isNumericArray(schema) && typeof schema.maxItems === 'number')
      // A required array whose length the schema fixes is already the feature vector: no copy.
      // `satisfies` keeps the compile-time check padded() gave: a schema change to non-numbers fails tsc here.
      feature(!opt && schema.minItems === schema.maxItems ? `...${value} satisfies number[]` : `...padded(${opt ? `${value} ?? []` : value}, ${schema.maxItems})`, schema.maxItems);
    else plan.skipped.push(key);
  }
  return plan;
}

function isNumericArray(s: JsonSchema | undefined): boolean {
  const items = s?.items as JsonSchema | undefined;
  return s?.type === 'array' && (items?.type === 'number' || items?.type === 'integer');
}

function preprocessBody(file: TsFile, plan: Plan, target: RowTarget): string {
  if (plan.features.some((f) => f.startsWith('...padded('))) file.use('padded', HOOK_HELPERS);
  const values = (extra: string[]) => {
    const list = [...plan.features, ...extra];
    // One array is the whole row: pass it on instead of copying it into a new array.
    return list.length === 1 && list[0]!.startsWith('...') ? list[0]!.slice(3) : `[${list.join(', ')}]`;
  };
  const row = (extra: string[]) => `{ ${target.key}: ${values(extra)} }`;
  if (!plan.candidates) return `    preprocess(input) {\n      return [${row([])}];\n    },`;
  const list = propertyAccess('input', plan.candidates.key) + (plan.candidates.required ? '' : ' ?? []');
  const numeric = isNumericArray(plan.candidates.schema);
  return [
    '    preprocess(input) {',
    `      // One row per candidate${numeric ? ', the candidate itself as the last feature' : ''}.`,
    `      return ${list}.map((${numeric ? 'candidate' : '_candidate'}) => (${row(numeric ? ['candidate'] : [])}));`,
    '    },',
  ].join('\n');
}

/**
 * Every response field a default can fill, required or not, in the schema's order: an optional
 * field left out would be an answer with less than the model gave. A required field no default
 * fits makes the whole postprocess the user's to write; an optional one is left out.
 */
function postprocessBody(file: TsFile, e: EndpointSpec, plan: Plan): string {
  const props = (e.output.properties ?? {}) as Props;
  const required = new Set((e.output.required ?? []) as string[]);
  const fields: string[] = [];
  for (const key of required) if (!(key in props)) return unsupportedPost(e);
  for (const [key, schema] of Object.entries(props)) {
    const value = outputValue(file, schema, plan);
    if (value === undefined && required.has(key)) return unsupportedPost(e);
    if (value !== undefined) fields.push(`${propertyKey(key)}: ${value}`);
  }
  const usesInput = fields.some((f) => f.includes('input.') || f.includes('input['));
  const params = `outputs${usesInput ? ', input' : ''}`;
  return `    postprocess(${params}) {\n      return { ${fields.join(', ')} };\n    },`;
}

/** The expression for one response field, or undefined when no default fits. */
function outputValue(file: TsFile, s: JsonSchema | undefined, plan: Plan): string | undefined {
  const first = () => `${file.use('firstValue', HOOK_HELPERS)}(outputs[0])`;
  if (s?.type === 'number') return first();
  if (s?.type === 'integer') return `Math.round(${first()})`;
  if (s?.type === 'boolean') return `${first()} >= 0.5`;
  if (s?.type !== 'array') return undefined;
  const items = (s.items ?? {}) as JsonSchema;
  const score = `${file.use('firstValue', HOOK_HELPERS)}(row)`;
  if (!plan.candidates) return items.type === 'number' ? `${file.use('outputValues', HOOK_HELPERS)}(outputs[0])` : undefined;
  if (items.type === 'number') return `outputs.map((row) => ${score})`;
  return rankedObjects(file, items, plan);
}

/** `[{id, score}]` sorted by score, when the items have exactly an id-like and a number field. */
function rankedObjects(file: TsFile, items: JsonSchema, plan: Plan): string | undefined {
  const props = (items.properties ?? {}) as Props;
  const keys = Object.keys(props);
  const scoreKey = keys.find((k) => props[k]!.type === 'number');
  const idType = (plan.candidates!.schema.items as JsonSchema | undefined)?.type;
  const idKey = keys.find((k) => k !== scoreKey && props[k]!.type === idType);
  const required = (items.required ?? []) as string[];
  if (!scoreKey || !idKey || required.some((k) => k !== scoreKey && k !== idKey)) return undefined;
  const list = propertyAccess('input', plan.candidates!.key) + (plan.candidates!.required ? '' : ' ?? []');
  const value = `${file.use('firstValue', HOOK_HELPERS)}(outputs[i])`;
  const by = (o: string) => propertyAccess(o, scoreKey);
  return `${list}\n        .map((id, i) => ({ ${propertyKey(idKey)}: id, ${propertyKey(scoreKey)}: ${value} }))\n        .sort((a, b) => ${by('b')} - ${by('a')})`;
}

function unsupportedPost(e: EndpointSpec): string {
  const msg = JSON.stringify(`postprocess of endpoint "${e.name}": no default fits its response schema; write it in src/hooks.ts`);
  return `    postprocess() {\n      throw new Error(${msg});\n    },`;
}
