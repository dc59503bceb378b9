/**
 * What `yo mlservice` and `mlgen init` share, so the two front-ends cannot drift: the defaults of
 * a new project, and the check of the answers, which is the config loader itself run on the
 * starter file before anything is written. test/cli/starter-parity.test.ts runs both front-ends
 * on the same answers and compares what they write or refuse.
 */
import path from 'node:path';
import type { CliCode } from '../cli/codes.js';
import { CONFIG_FILE } from '../config/file.js';
import { parseConfigText } from '../config/index.js';
import { type Diagnostic, DiagnosticError, EXIT } from '../diagnostics.js';
import { DEFAULT_AB_WEIGHT, DEFAULT_FIELDS, renderStarterConfig, StarterAnswerError, type StarterAnswers } from './starter-config.js';

export { DEFAULT_AB_WEIGHT, DEFAULT_FIELDS };

/** Where a project's editor finds the schema once generator-mlservice is a devDependency. */
export const SCHEMA_REF = './node_modules/generator-mlservice/schemas/mlservice.schema.json';

/** The service name of a new project in `dir`: the folder name made a DNS-1123 label. */
export function defaultServiceName(dir: string): string {
  const label = path
    .basename(path.resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 53)
    .replace(/-+$/, '');
  return label || 'my-service';
}

/** The first model's source when none is given: version 1 of a registry model named like the service. */
export const defaultModelSource = (service: string): string => `models:/${service}/1`;

/** The answers as both front-ends take them (flags, or prompts with the same names). */
export interface StarterFlags {
  name?: string;
  model?: string;
  fields?: string;
  abModel?: string;
  abWeight?: number;
  abUnit?: string;
}

/** `flags` with the defaults of a new project in `dir` filled in. */
export function starterAnswers(dir: string, flags: StarterFlags): StarterAnswers {
  const name = flags.name ?? defaultServiceName(dir);
  return {
    name,
    modelSource: flags.model ?? defaultModelSource(name),
    fields: (flags.fields ?? DEFAULT_FIELDS).split(','),
    ...(flags.abModel === undefined ? {} : { abModelSource: flags.abModel }),
    ...(flags.abWeight === undefined ? {} : { abWeight: flags.abWeight }),
    ...(flags.abUnit === undefined ? {} : { abUnit: flags.abUnit }),
  };
}

function answerError(e: StarterAnswerError): Diagnostic {
  const code: CliCode = 'CLI.INVALID_ANSWER';
  return { code, severity: 'error', message: e.message, fix: e.fix, file: CONFIG_FILE, line: 0, col: 0 };
}

/**
 * The text of the starter `mlservice.yaml` for `answers`, checked by the loader every config goes
 * through, so a bad answer gets the located error a hand-written file would get. Throws a
 * DiagnosticError, before anything is written: exit 64 for an answer the starter cannot use (a
 * field list that is not `name:type`), 65 for a config the loader refuses (a name that is not a
 * DNS label, a weight over 100).
 */
export function starterFile(answers: StarterAnswers): string {
  let text: string;
  try {
    text = renderStarterConfig(answers, SCHEMA_REF);
  } catch (e) {
    if (e instanceof StarterAnswerError) throw new DiagnosticError([answerError(e)], EXIT.usage);
    throw e;
  }
  parseConfigText(text, CONFIG_FILE);
  return text;
}

/**
 * For an interactive prompt: `true` when `flags` make a valid starter, else the first problem as
 * one line with its fix (the same words `mlgen init` prints).
 */
export function checkStarter(dir: string, flags: StarterFlags): true | string {
  try {
    starterFile(starterAnswers(dir, flags));
    return true;
  } catch (e) {
    if (!(e instanceof DiagnosticError)) throw e;
    const d = e.diagnostics.find((x) => x.severity === 'error') ?? e.diagnostics[0]!;
    return d.fix ? `${d.message}; ${d.fix}` : d.message;
  }
}
