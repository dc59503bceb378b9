/**
 * Property: whatever order a team writes its request fields in, that order is the feature order the
 * default hooks feed the model, and the order the generated types and the OpenAPI show. The model
 * is a real, order-sensitive ONNX model (a linear layer with distinct weights), "trained" on the
 * fields in the written order: the service's score must equal onnxruntime's score of the row in
 * that order. 60 seeded random orders of six fields (scalars, a boolean and a padded array).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { buildOpenApi } from '../../src/emit/openapi.js';
import { withModelInputs } from '../../src/models/signatures.js';
import { readOnnxSignature } from '../../src/models/onnx-signature.js';
import { MINIMAL_YAML } from '../../testkit/fixtures.js';
import { buildMlp, seededRandom } from '../../testkit/onnx-builder.js';
import { loadHooks } from '../support/hooks-runner.js';
import { serviceFiles } from '../../testkit/service-project.js';

/** Field name -> its schema and the width it adds to the row. */
const FIELDS: Record<string, { schema: string; width: number }> = {
  tenure_months: { schema: '{type: integer, minimum: 0}', width: 1 },
  monthly_spend: { schema: '{type: number}', width: 1 },
  support_tickets: { schema: '{type: integer}', width: 1 },
  days_since_login: { schema: '{type: number}', width: 1 },
  is_business: { schema: '{type: boolean}', width: 1 },
  last_scores: { schema: '{type: array, items: {type: number}, maxItems: 3}', width: 3 },
};
const WIDTH = Object.values(FIELDS).reduce((a, f) => a + f.width, 0);
const REQUEST: Record<string, unknown> = { tenure_months: 14, monthly_spend: 42.5, support_tickets: 3, days_since_login: 0.25, is_business: true, last_scores: [0.9, 0.1] };
/** The values one field contributes to the row (the array zero-padded to its maxItems). */
const values = (name: string): number[] => (name === 'last_scores' ? [0.9, 0.1, 0] : name === 'is_business' ? [1] : [REQUEST[name] as number]);

const MODEL = buildMlp({ inputName: 'features', inputDim: WIDTH, hidden: [], seed: 11 });
let session: ort.InferenceSession;
let work: string;
beforeAll(async () => {
  session = await ort.InferenceSession.create(MODEL);
  work = await mkdtemp(join(tmpdir(), 'mlgen-field-order-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

function shuffled(names: string[], rand: () => number): string[] {
  const out = [...names];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function configWithOrder(order: string[]): string {
  const props = order.map((n) => `        ${n}: ${FIELDS[n]!.schema}`).join('\n');
  return MINIMAL_YAML.replace(
    / {6}required: \[features\]\n {6}properties:\n {8}features:\n(?: {10}.*\n)+/,
    `      required: [${order.filter((n) => n !== 'last_scores').join(', ')}]\n      properties:\n${props}\n`,
  ).replace('      - features: [0.1, 0.2, 0.3, 0.4]', `      - ${JSON.stringify(REQUEST)}`);
}

async function score(row: number[]): Promise<number> {
  const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(row), [1, row.length]) });
  return Number(out[session.outputNames[0]!]!.data[0]);
}

describe("field order is the author's", () => {
  const rand = seededRandom(2026);
  const orders = Array.from({ length: 60 }, () => shuffled(Object.keys(FIELDS), rand));

  it('the model is order-sensitive: the written order and the alphabetical order score differently', async () => {
    const written = orders[0]!;
    const sorted = [...written].sort();
    expect(written).not.toEqual(sorted);
    expect(await score(written.flatMap(values))).not.toBeCloseTo(await score(sorted.flatMap(values)), 3);
  });

  it.each(orders.map((o, i) => [i, o] as const))('order #%i: default row, types and OpenAPI follow the written order', async (i, order) => {
    const yaml = configWithOrder(order);
    const model = withModelInputs(parseConfigText(yaml, 'mlservice.yaml'), new Map([['scorer', readOnnxSignature(MODEL)]]));
    expect(Object.keys(model.endpoints[0]!.input.properties as object)).toEqual(order);
    const files = serviceFiles(model);
    const hooks = (await loadHooks(await mkdtemp(join(work, `o${i}-`)), files)).score!;
    const rows = hooks.preprocess(REQUEST);
    expect(rows.map((r) => Object.keys(r))).toEqual([['features']]);
    expect(rows[0]!.features).toEqual(order.flatMap(values));
    expect(await score(Array.from(rows[0]!.features!))).toBe(await score(order.flatMap(values)));
    // The request type lists the fields as written.
    const types = files.find((f) => f.path === 'src/generated/types.ts')!.content;
    const body = /export type ScoreRequest = \{\n([\s\S]*?)\n\};/.exec(types)![1]!;
    expect([...body.matchAll(/^ {2}(?:readonly )?(\w+)\??:/gm)].map((m) => m[1])).toEqual(order);
    // So does the OpenAPI document.
    const openapi = buildOpenApi(model) as { components: { requestBodies: Record<string, { content: { 'application/json': { schema: { properties: object } } } }> } };
    expect(Object.keys(openapi.components.requestBodies.ScoreRequest!.content['application/json'].schema.properties)).toEqual(order);
  });
});
