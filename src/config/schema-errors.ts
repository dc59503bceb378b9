/**
 * ajv errors -> Diagnostics with a stable code, the line:col of the offending key or value, and a
 * fix. One function per ajv keyword family; wrappers that only repeat a nested error (`if`) are
 * dropped so each problem is reported once.
 * @see https://ajv.js.org/api.html#validation-errors
 */
import type { ErrorObject } from 'ajv';
import type { Document, LineCounter } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';
import type { ConfigCode } from './codes.js';
import { configError, quote } from './diag.js';
import { displayPath, locate, pointerSegments } from './locate.js';
import { type SchemaNode, resolveRef } from './schema.js';
import { parseModelSource } from './source.js';
import { closest, didYouMean } from './suggest.js';

export interface SourceContext {
  file: string;
  doc: Document;
  lines: LineCounter;
}

/**
 * The fix the schema itself gives for `e`: `x-fix: {<keyword>: <fix>}` on the node that holds the
 * failing keyword. The hints live beside the patterns, consts and bounds they explain, so a schema
 * change cannot leave one behind (test/config/schema-fixes.test.ts).
 */
function schemaFix(e: ErrorObject): string | undefined {
  const fixes = (e.parentSchema as SchemaNode | undefined)?.['x-fix'] as Record<string, string> | undefined;
  return fixes?.[e.keyword];
}

export function schemaDiagnostics(errors: readonly ErrorObject[], ctx: SourceContext): Diagnostic[] {
  const typos = typoTargets(errors);
  return errors.flatMap((e) => {
    // A misspelt required key shows up twice (unknown "modl", missing "model"); the unknown-key
    // diagnostic already says "did you mean", so the missing-key one is dropped.
    if (e.keyword === 'required' && typos.has(`${e.instancePath}/${String((e.params as { missingProperty: string }).missingProperty)}`)) return [];
    const d = toDiagnostic(e, ctx);
    return d ? [d] : [];
  });
}

/** `instancePath/key` of every key some unknown key is probably a misspelling of. */
function typoTargets(errors: readonly ErrorObject[]): Set<string> {
  const out = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const allowed = Object.keys(((e.parentSchema as SchemaNode).properties as SchemaNode | undefined) ?? {});
    const hit = closest(String((e.params as { additionalProperty: string }).additionalProperty), allowed);
    if (hit !== undefined) out.add(`${e.instancePath}/${hit}`);
  }
  return out;
}

function toDiagnostic(e: ErrorObject, ctx: SourceContext): Diagnostic | undefined {
  const segments = pointerSegments(e.instancePath);
  const at = (code: ConfigCode, message: string, fix: string, where: 'key' | 'value' = 'value', extra: string[] = []) =>
    configError(ctx.file, locate(ctx.doc, ctx.lines, [...segments, ...extra], where), code, message, fix);
  const path = displayPath(segments);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'if':
      return undefined;
    case 'additionalProperties':
      return unknownKey(String(p.additionalProperty), e.parentSchema as SchemaNode, path, (m, f) => at('CONFIG.UNKNOWN_KEY', m, f, 'key', [String(p.additionalProperty)]));
    case 'required':
      return missingKey(String(p.missingProperty), e, segments, (m, f) => at('CONFIG.MISSING_KEY', m, f, 'key'));
    case 'not': {
      // `not: {required: [a, b]}`: a pair of keys that exclude each other (service.license).
      const pair = ((e.schema as SchemaNode).required as string[] | undefined) ?? [];
      if (pair.length === 2)
        return at('CONFIG.CONFLICTING_KEYS', `${path} sets both "${pair[0]}" and "${pair[1]}"`, `keep one of "${pair[0]}" and "${pair[1]}"; they exclude each other`, 'key', [pair[1]!]);
      return at('CONFIG.CONFLICTING_KEYS', `${path} sets both "model" and "ab"`, 'keep "model" to serve one model, or "ab" to split traffic between models', 'key', ['model']);
    }
    case 'type':
      return at('CONFIG.TYPE', `${path} must be ${article(String(p.type))}, got ${typeName(e.data)}`, typeFix(e, ctx, segments));
    case 'const':
    case 'enum':
      return enumError(e, segments, at);
    case 'pattern':
    case 'format':
      // An empty string also fails minLength, whose "is empty" says it better.
      if (e.data === '' && Number((e.parentSchema as SchemaNode).minLength ?? 0) > 0) return undefined;
      return patternError(e, segments, at);
    case 'uniqueItems':
      return at('CONFIG.DUPLICATE_ITEM', `${path} lists ${quote((e.data as unknown[])[Number(p.i)])} twice`, 'remove the repeated item', 'value', [String(p.i)]);
    default:
      return rangeError(e, segments, at) ?? at('CONFIG.TYPE', `${path} ${e.message ?? 'is invalid'}`, 'see docs/config-reference.md for what this field accepts');
  }
}

type At = (code: ConfigCode, message: string, fix: string, where?: 'key' | 'value', extra?: string[]) => Diagnostic;

function unknownKey(key: string, parent: SchemaNode, path: string, report: (m: string, f: string) => Diagnostic): Diagnostic {
  const allowed = Object.keys((parent.properties as SchemaNode | undefined) ?? {});
  if (key === '<<') return report(`YAML merge key "<<" in ${path} is not supported`, 'put an anchor on the whole value (&name) and reuse it with an alias (*name)');
  return report(`unknown key ${quote(key)} in ${path}`, didYouMean(key, allowed, 'keys'));
}

function missingKey(key: string, e: ErrorObject, segments: string[], report: (m: string, f: string) => Diagnostic): Diagnostic {
  const path = displayPath(segments);
  if (e.schemaPath.endsWith('/else/required')) {
    return report(`${path} needs "model" or "ab"`, 'add "model: <name>" to serve one model, or "ab:" to split traffic between models');
  }
  const props = ((e.parentSchema as SchemaNode).properties as SchemaNode | undefined) ?? {};
  const prop = props[key] ? resolveRef(props[key] as SchemaNode) : undefined;
  const example = Array.isArray(prop?.examples) ? prop.examples[0] : undefined;
  const sample = example === undefined || typeof example === 'object' ? '' : `, e.g. "${key}: ${String(example)}"`;
  return report(`missing key ${quote(key)} in ${path}`, `add "${key}"${sample}`);
}

function enumError(e: ErrorObject, segments: string[], at: At): Diagnostic {
  const path = displayPath(segments);
  const p = e.params as { allowedValue?: unknown; allowedValues?: unknown[] };
  const allowed = p.allowedValues ?? [p.allowedValue];
  if (e.instancePath === '/apiVersion') {
    return at('CONFIG.API_VERSION', `unsupported apiVersion ${quote(e.data)}`, 'write "apiVersion: mlservice/v1"');
  }
  const list = allowed.map((v) => quote(v)).join(', ');
  const fix = schemaFix(e) ?? (typeof e.data === 'string' ? didYouMean(e.data, allowed.map(String), 'values') : `use one of ${list}`);
  return at('CONFIG.ENUM', `${path} must be ${allowed.length === 1 ? list : `one of ${list}`}, got ${quote(e.data)}`, fix);
}

function patternError(e: ErrorObject, segments: string[], at: At): Diagnostic {
  const path = displayPath(segments);
  // A model source's fix depends on what kind of source it looks like.
  if (e.schemaPath === '#/$defs/modelSource/pattern' && typeof e.data === 'string') {
    const r = parseModelSource(e.data);
    const [reason, fix] = r.ok ? ['is not a supported model source', 'see docs/config-reference.md'] : [r.reason, r.fix];
    return at('CONFIG.MODEL_SOURCE', `${path} ${quote(e.data)}: ${reason}`, fix);
  }
  const p = e.params as { pattern?: string; format?: string };
  const fix = schemaFix(e) ?? (p.pattern === undefined ? `write a valid ${String(p.format)}` : `match the pattern ${p.pattern}`);
  return at('CONFIG.PATTERN', `${path} has an invalid value ${quote(e.data)}`, fix);
}

const RANGE_WORDS: Record<string, [verb: string, bound: string, unit: string]> = {
  minimum: ['be', 'at least', ''],
  maximum: ['be', 'at most', ''],
  exclusiveMinimum: ['be', 'greater than', ''],
  exclusiveMaximum: ['be', 'less than', ''],
  minLength: ['have', 'at least', ' characters'],
  maxLength: ['have', 'at most', ' characters'],
  minItems: ['have', 'at least', ' items'],
  maxItems: ['have', 'at most', ' items'],
};

function rangeError(e: ErrorObject, segments: string[], at: At): Diagnostic | undefined {
  const words = RANGE_WORDS[e.keyword];
  if (!words) return undefined;
  const path = displayPath(segments);
  const [verb, bound, plural] = words;
  const limit = (e.params as { limit: number }).limit;
  const actual = typeof e.data === 'string' ? e.data.length : Array.isArray(e.data) ? e.data.length : e.data;
  if (e.keyword === 'minLength' && limit === 1) {
    const hasDefault = (e.parentSchema as SchemaNode).default !== undefined;
    return at('CONFIG.RANGE', `${path} is empty`, hasDefault ? 'write a value, or remove the key to use the default' : 'write a value');
  }
  const unit = limit === 1 ? plural.replace(/s$/, '') : plural;
  const fix = schemaFix(e) ?? (plural ? `make it ${bound} ${limit}${unit}` : `use a number ${bound} ${limit}`);
  return at('CONFIG.RANGE', `${path} must ${verb} ${bound} ${limit}${unit}, got ${String(actual)}`, fix);
}

function article(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'text',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    'object,boolean': 'a mapping or false',
    'string,object': 'text or a mapping',
  };
  return names[type] ?? type;
}

function typeName(v: unknown): string {
  if (v === null) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `text ${quote(v)}`;
  return `${typeof v} ${String(v)}`;
}

function typeFix(e: ErrorObject, ctx: SourceContext, segments: string[]): string {
  const expected = String((e.params as { type: string }).type);
  const data = e.data;
  if (expected === 'string' && (typeof data === 'number' || typeof data === 'boolean')) {
    // Quote the exact source text: YAML already turned "1.10" into 1.1.
    const node = ctx.doc.getIn(segments, true) as { source?: string } | undefined;
    const raw = node?.source ?? String(data);
    return `quote it: "${raw}"`;
  }
  if ((expected === 'integer' || expected === 'number') && typeof data === 'string' && data.trim() !== '' && !Number.isNaN(Number(data))) return 'remove the quotes';
  if (expected === 'integer' && typeof data === 'number') return `use a whole number such as ${Math.round(data)}`;
  if (data === null) {
    const hasDefault = (e.parentSchema as SchemaNode).default !== undefined;
    return hasDefault ? 'write a value after the colon, or remove the key to use the default' : 'write a value after the colon';
  }
  if (expected === 'number' && typeof data === 'string' && /^\s*\d+(\.\d+)?\s*%$/.test(data)) return `write ${data.replace(/[\s%]/g, '')} (a percentage, without "%")`;
  if (expected === 'array') return 'write a list: one "- " entry per item, or [a, b] on one line';
  return `write ${article(expected)} here`;
}
