/**
 * Per-endpoint rules: paths unique and not reserved, model references, the A/B split (weights,
 * unit, missingUnit), and the embedded JSON Schemas (they compile; examples match `input`).
 */
import type { ErrorObject } from 'ajv';
import { pointerSegments } from './locate.js';
import type { RawAb, RawEndpoint } from './raw.js';
import { type RuleContext, checkModelRef, modelNames, uniqueNames } from './rule-context.js';
import { userSchemaAjv } from './schema.js';
import { didYouMean } from './suggest.js';

/**
 * Paths the runtime serves itself; kept equal to `PATHS` in runtime/src/names.ts by a test.
 * An endpoint may not take one of them or live under one.
 */
export const RESERVED_PATHS = ['/livez', '/readyz', '/metrics', '/metadata', '/openapi.json', '/docs'] as const;

export function endpointRules(ctx: RuleContext): void {
  const endpoints = ctx.raw.endpoints;
  if (!Array.isArray(endpoints)) return;
  const names = modelNames(ctx);
  const paths = new Map<string, number>();
  endpoints.forEach((ep, i) => {
    if (typeof ep !== 'object' || ep === null) return;
    const base = `/endpoints/${i}`;
    if (ctx.clean(`${base}/path`) && ctx.clean(`${base}/name`)) checkPath(ctx, ep, i, paths);
    if (names && ctx.clean(`${base}/model`) && typeof ep.model === 'string') checkModelRef(ctx, ['endpoints', i, 'model'], ep.model, names);
    if (ep.ab && ctx.clean(`${base}/ab`)) abRules(ctx, ep, i, names);
    schemaRules(ctx, ep, i);
  });
}

function checkPath(ctx: RuleContext, ep: RawEndpoint, i: number, paths: Map<string, number>): void {
  const path = ep.path ?? `/v1/${ep.name}`;
  const at = ep.path === undefined ? ['endpoints', i, 'name'] : ['endpoints', i, 'path'];
  const reserved = RESERVED_PATHS.find((r) => path === r || path.startsWith(`${r}/`));
  if (reserved) {
    ctx.report('CONFIG.RESERVED_PATH', at, `endpoint path ${JSON.stringify(path)} collides with ${JSON.stringify(reserved)}, which the runtime serves`, `choose another path, e.g. "/v1/${ep.name}"`);
  }
  const seen = paths.get(path);
  if (seen === undefined) paths.set(path, i);
  else {
    ctx.report('CONFIG.DUPLICATE_PATH', at, `endpoint path ${JSON.stringify(path)} is already used by endpoints[${seen}]`, 'give each endpoint its own "path" (the default is /v1/<name>)');
  }
}

function abRules(ctx: RuleContext, ep: RawEndpoint, i: number, names: string[] | undefined): void {
  const ab = ep.ab as RawAb;
  const at = ['endpoints', i, 'ab'];
  uniqueNames(ctx, `endpoints/${i}/ab/variants`, ab.variants, 'variant');
  ab.variants.forEach((v, j) => {
    if (names) checkModelRef(ctx, [...at, 'variants', j, 'model'], v.model, names);
    const bp = v.weight * 100;
    if (Math.abs(bp - Math.round(bp)) > 1e-6) {
      ctx.report(
        'CONFIG.WEIGHT_PRECISION',
        [...at, 'variants', j, 'weight'],
        `variant ${JSON.stringify(v.name)} has weight ${v.weight}, finer than 0.01`,
        `round it to two decimals (${Math.round(bp) / 100})`,
      );
    }
  });
  // Basis points are integers, so the sum is exact where a float sum of 33.33 + ... is not.
  const sum = ab.variants.reduce((s, v) => s + Math.round(v.weight * 100), 0);
  if (sum !== 10000) {
    ctx.report(
      'CONFIG.WEIGHT_SUM',
      [...at, 'variants'],
      `variant weights of ${`endpoints[${i}]`} sum to ${sum / 100}, not 100`,
      `change the weights so they add up to 100 (${sum > 10000 ? 'remove' : 'add'} ${Math.abs(10000 - sum) / 100})`,
      'key',
    );
  }
  checkUnit(ctx, ep, ab, i);
  const mu = ab.missingUnit;
  if (typeof mu === 'object' && !ab.variants.some((v) => v.name === mu.variant)) {
    ctx.report(
      'CONFIG.UNKNOWN_VARIANT',
      [...at, 'missingUnit', 'variant'],
      `missingUnit names variant ${JSON.stringify(mu.variant)}, which the split does not define`,
      didYouMean(
        mu.variant,
        ab.variants.map((v) => v.name),
        'variants',
      ),
    );
  }
}

function checkUnit(ctx: RuleContext, ep: RawEndpoint, ab: RawAb, i: number): void {
  if (!ctx.clean(`/endpoints/${i}/input`)) return;
  const props = (ep.input.properties ?? {}) as Record<string, { type?: unknown }>;
  const at = ['endpoints', i, 'ab', 'unit'];
  const prop = Object.hasOwn(props, ab.unit) ? props[ab.unit] : undefined;
  if (prop === undefined) {
    ctx.report('CONFIG.AB_UNIT', at, `A/B unit ${JSON.stringify(ab.unit)} is not a top-level property of endpoints[${i}].input`, didYouMean(ab.unit, Object.keys(props), 'input properties'));
    return;
  }
  const types = Array.isArray(prop.type) ? prop.type : [prop.type];
  if (!types.every((t) => t === 'string' || t === 'integer' || t === 'null') || !types.some((t) => t === 'string' || t === 'integer')) {
    ctx.report(
      'CONFIG.AB_UNIT',
      at,
      `A/B unit ${JSON.stringify(ab.unit)} must be a string or integer property, but its type is ${JSON.stringify(prop.type ?? 'unset')}`,
      'use an id-like input property (type: string or type: integer) as the unit',
    );
  }
}

function schemaRules(ctx: RuleContext, ep: RawEndpoint, i: number): void {
  const ajv = userSchemaAjv();
  for (const which of ['input', 'output'] as const) {
    if (!ctx.clean(`/endpoints/${i}/${which}`)) continue;
    try {
      const validate = ajv.compile(ep[which]);
      if (which === 'input' && ctx.clean(`/endpoints/${i}/examples`)) checkExamples(ctx, ep, i, (x) => (validate(x) ? [] : (validate.errors ?? [])));
    } catch (e) {
      const detail = (e instanceof Error ? e.message : String(e)).replace(/^strict mode: /, '').split('\n')[0] ?? '';
      const fix = /no schema with key or ref "http:\/\/json-schema\.org\//.test(detail)
        ? 'remove "$schema": endpoint schemas are JSON Schema draft 2020-12'
        : 'fix the schema (a misspelt keyword such as "maxitems" is a common cause); see https://json-schema.org/understanding-json-schema/';
      ctx.report('CONFIG.SCHEMA_INVALID', ['endpoints', i, which], `endpoints[${i}].${which} is not a valid JSON Schema: ${detail}`, fix, 'key');
    } finally {
      ajv.removeSchema(ep[which]);
    }
  }
}

function checkExamples(ctx: RuleContext, ep: RawEndpoint, i: number, check: (x: unknown) => ErrorObject[]): void {
  (ep.examples ?? []).forEach((example, j) => {
    for (const err of check(example)) {
      const inner = pointerSegments(err.instancePath);
      const where = err.instancePath === '' ? 'the body' : err.instancePath;
      ctx.report(
        'CONFIG.EXAMPLE_INVALID',
        ['endpoints', i, 'examples', j, ...inner],
        `endpoints[${i}].examples[${j}] does not match input: ${where} ${err.message ?? 'is invalid'}`,
        'change the example, or the input schema if the example is right',
      );
    }
  });
}
