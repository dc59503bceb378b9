/**
 * Validation in two passes that both always run, so one run reports every problem: the JSON
 * Schema (ajv, all errors, defaults applied to a copy), then the semantic rules on the parts the
 * schema accepted.
 */
import type { ErrorObject } from 'ajv';
import type { Diagnostic } from '../diagnostics.js';
import { configError, sortDiagnostics } from './diag.js';
import type { RawConfig } from './raw.js';
import { makeRuleContext } from './rule-context.js';
import { semanticRules } from './rules.js';
import { type SourceContext, schemaDiagnostics } from './schema-errors.js';
import { configValidator } from './schema.js';

export interface Validated {
  /** The config with schema defaults applied; trustworthy only when `diagnostics` is empty. */
  raw: RawConfig;
  diagnostics: Diagnostic[];
}

export function validateConfig(data: unknown, src: SourceContext): Validated {
  if (data === null || data === undefined) {
    const d = configError(src.file, { line: 1, col: 1 }, 'CONFIG.EMPTY', 'the file holds no configuration', 'start from examples/minimal/mlservice.yaml');
    return { raw: {} as RawConfig, diagnostics: [d] };
  }
  const raw = structuredClone(data) as RawConfig;
  const validate = configValidator();
  const errors = validate(raw) ? [] : (validate.errors ?? []);
  const diagnostics = schemaDiagnostics(errors, src);
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    semanticRules(makeRuleContext(src, raw, errors.flatMap(errorPointer), diagnostics));
  }
  return { raw, diagnostics: sortDiagnostics(diagnostics) };
}

/** The pointer an error makes untrustworthy: the key itself for unknown/missing keys, else the value. */
function errorPointer(e: ErrorObject): string[] {
  const p = e.params as { additionalProperty?: string; missingProperty?: string };
  if (e.keyword === 'if') return [];
  if (e.keyword === 'not') return [`${e.instancePath}/model`];
  const key = p.additionalProperty ?? p.missingProperty;
  return [key === undefined ? e.instancePath : `${e.instancePath}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`];
}
