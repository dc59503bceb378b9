import { Document } from 'yaml';

/**
 * The answers `yo mlservice` and `mlgen init` collect. Each has a flag for non-interactive use
 * (see generators/app and src/cli/commands/init.ts); validation of the result is the config
 * loader's job, so a bad answer gets the same located error as a bad hand-written file.
 */
export interface StarterAnswers {
  name: string;
  description?: string;
  owner?: string;
  /** Source of the first model, e.g. `models:/activity-ranker/12` or `models/scorer/model.onnx`. */
  modelSource: string;
  /** Input fields as `name:type` (type: number | integer | string | boolean | number[] | integer[]). */
  fields: string[];
  /** When set, an A/B split: the treatment model's source. */
  abModelSource?: string;
  /** Treatment weight in percent (default DEFAULT_AB_WEIGHT). */
  abWeight?: number;
  /** Field that keeps A/B assignment sticky (default: the first string or integer field). */
  abUnit?: string;
}

export const FIELD_TYPES = ['number', 'integer', 'string', 'boolean', 'number[]', 'integer[]'] as const;

/** Input fields of a new service when none are given. */
export const DEFAULT_FIELDS = 'user_id:string,age:number,score:number';

/** Treatment weight in percent of a new A/B split when none is given. */
export const DEFAULT_AB_WEIGHT = 10;

/** An answer the starter cannot use, named by its flag (`--fields`), with how to write it. */
export class StarterAnswerError extends Error {
  constructor(
    readonly flag: string,
    message: string,
    readonly fix: string,
  ) {
    super(`${flag}: ${message}`);
    this.name = 'StarterAnswerError';
  }
}

export interface FieldSpec {
  name: string;
  type: (typeof FIELD_TYPES)[number];
}

/** Parses `age:number` style entries; throws a StarterAnswerError naming the offending entry. */
export function parseFields(entries: string[]): FieldSpec[] {
  return entries
    .map((e) => e.trim())
    .filter((e) => e.length > 0)
    .map((entry) => {
      const [name = '', type = 'number', ...rest] = entry.split(':').map((s) => s.trim());
      if (rest.length > 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new StarterAnswerError('--fields', `invalid field "${entry}"`, 'write name:type entries separated by commas, names like user_id (e.g. user_id:string,age:number)');
      }
      if (!(FIELD_TYPES as readonly string[]).includes(type)) {
        throw new StarterAnswerError('--fields', `invalid field type "${type}" in "${entry}"`, `use one of ${FIELD_TYPES.join(', ')}`);
      }
      return { name, type: type as FieldSpec['type'] };
    });
}

function fieldSchema(type: FieldSpec['type']): Record<string, unknown> {
  if (type.endsWith('[]')) {
    return { type: 'array', items: { type: type.slice(0, -2) }, maxItems: 64 };
  }
  return { type };
}

function exampleValue(field: FieldSpec, index: number): unknown {
  switch (field.type) {
    case 'number':
      return 0.5 + index;
    case 'integer':
      return index + 1;
    case 'string':
      return `${field.name}-1`;
    case 'boolean':
      return true;
    default:
      return [1, 2, 3];
  }
}

/** Derives a DNS-1123 model name from a source (`models:/activity-ranker/12` -> `activity-ranker`). */
export function modelNameFromSource(source: string, fallback: string): string {
  const registry = /^models:\/([^/@]+)/.exec(source);
  const base = registry ? registry[1]! : (source.split('/').filter(Boolean).at(-1) ?? '').replace(/\.onnx$/, '');
  const name = base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 53);
  return name.length > 0 ? name : fallback;
}

export function starterConfig(a: StarterAnswers): Record<string, unknown> {
  const fields = parseFields(a.fields);
  if (fields.length === 0) throw new StarterAnswerError('--fields', 'no input field', 'give at least one, e.g. --fields user_id:string,age:number');
  const properties = Object.fromEntries(fields.map((f) => [f.name, fieldSchema(f.type)]));
  const example = Object.fromEntries(fields.map((f, i) => [f.name, exampleValue(f, i)]));
  const control = modelNameFromSource(a.modelSource, 'model');
  const endpoint: Record<string, unknown> = {
    name: 'predict',
    description: `Scores one ${a.name} request`,
    input: { type: 'object', required: fields.map((f) => f.name), properties, additionalProperties: false },
    output: {
      type: 'object',
      required: ['score'],
      properties: { score: { type: 'number', description: 'Model score' } },
    },
    examples: [example],
  };
  const models: Record<string, unknown>[] = [{ name: control, source: a.modelSource }];
  if (a.abModelSource) {
    let treatment = modelNameFromSource(a.abModelSource, 'treatment');
    if (treatment === control) treatment = `${control}-treatment`;
    models.push({ name: treatment, source: a.abModelSource });
    const weight = a.abWeight ?? DEFAULT_AB_WEIGHT;
    const unit = a.abUnit ?? fields.find((f) => f.type === 'string' || f.type === 'integer')?.name;
    if (!unit)
      throw new StarterAnswerError('--ab-unit', 'an A/B split needs a string or integer input field to keep users sticky', 'add one to --fields (e.g. user_id:string), or name it with --ab-unit');
    endpoint.ab = {
      experiment: `${a.name}-ab`,
      unit,
      variants: [
        { name: 'control', model: control, weight: 100 - weight },
        { name: 'treatment', model: treatment, weight },
      ],
    };
  } else {
    endpoint.model = control;
  }
  endpoint.batching = { maxBatchSize: 32, maxLatencyMs: 5 };
  return {
    apiVersion: 'mlservice/v1',
    service: { name: a.name, description: a.description ?? `${a.name} inference service`, owner: a.owner ?? 'ml-team' },
    models,
    endpoints: [endpoint],
    deploy: {
      image: { registry: '123456789012.dkr.ecr.eu-central-1.amazonaws.com', repository: `ml/${a.name}` },
      kubernetes: { namespace: 'ml', replicas: { min: 2, max: 10 } },
      spinnaker: { application: a.name.replace(/-/g, ''), account: 'k8s-prod' },
    },
  };
}

/**
 * The YAML text of a new `mlservice.yaml`, with the `yaml-language-server` schema line so editors
 * complete and validate it. `schemaRef` is where the schema lives relative to the project.
 */
export function renderStarterConfig(a: StarterAnswers, schemaRef: string): string {
  const doc = new Document(starterConfig(a));
  doc.commentBefore = ` yaml-language-server: $schema=${schemaRef}\n Describes the ${a.name} service; run \`mlgen sync\` after every change.`;
  return doc.toString({ lineWidth: 0 });
}
