/**
 * One row per API classification rule: mutate the A/B fixture, summarize, and compare the exact
 * API lines (level + message) a reviewer would read.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceModel } from '../../src/config/model.js';
import { summarizeChanges } from '../../src/review/index.js';
import { abModel } from '../../testkit/fixtures.js';

type Props = Record<string, Record<string, any>>;

function apiLines(mutate: (m: ServiceModel) => void): string[] {
  const after = abModel();
  mutate(after);
  return summarizeChanges(abModel(), after)
    .items.filter((i) => i.section === 'api')
    .map((i) => `${i.level.toUpperCase()} ${i.message}`);
}

const input = (m: ServiceModel): Record<string, any> => m.endpoints[0]!.input;
const inProps = (m: ServiceModel): Props => input(m).properties;
const outProps = (m: ServiceModel): Props => m.endpoints[0]!.output.properties as Props;

const rows: Array<[string, (m: ServiceModel) => void, string[]]> = [
  ['no change', () => {}, []],
  ['endpoint path moved = operation removed + added', (m) => (m.endpoints[0]!.path = '/v2/rank'), ['BREAKING POST /v1/rank removed', 'NON-BREAKING POST /v2/rank added']],
  [
    'new required request field',
    (m) => {
      inProps(m).locale = { type: 'string' };
      input(m).required.push('locale');
    },
    ['BREAKING POST /v1/rank request: new required field "locale"'],
  ],
  ['added optional request field', (m) => (inProps(m).locale = { type: 'string' }), ['NON-BREAKING POST /v1/rank request: field "locale" added (optional)']],
  ['removed request field (open object: ignored if sent)', (m) => delete inProps(m).device, ['NON-BREAKING POST /v1/rank request: field "device" removed']],
  [
    'removed request field (closed object: rejected if sent)',
    (m) => {
      delete inProps(m).device;
      input(m).additionalProperties = false;
    },
    ['BREAKING POST /v1/rank request: "body" no longer accepts unknown fields', 'BREAKING POST /v1/rank request: field "device" removed'],
  ],
  ['request field made required', (m) => input(m).required.push('device'), ['BREAKING POST /v1/rank request: field "device" now required']],
  ['request field made optional', (m) => (input(m).required = ['user_id']), ['NON-BREAKING POST /v1/rank request: field "activity_ids" no longer required']],
  ['narrowed request enum', (m) => (inProps(m).device!.enum = ['desktop']), ['BREAKING POST /v1/rank request: "device" enum narrowed: removed "mobile"']],
  ['widened request enum', (m) => (inProps(m).device!.enum = ['desktop', 'mobile', 'tv']), ['NON-BREAKING POST /v1/rank request: "device" enum widened: added "tv"']],
  ['replaced request enum value', (m) => (inProps(m).device!.enum = ['desktop', 'phone']), ['BREAKING POST /v1/rank request: "device" enum changed: removed "mobile"; added "phone"']],
  ['enum added to a free request field', (m) => (inProps(m).user_id!.enum = ['a']), ['BREAKING POST /v1/rank request: "user_id" now limited to "a"']],
  [
    'changed request type',
    (m) => (inProps(m).user_id = { type: 'integer' }),
    ['BREAKING POST /v1/rank request: "user_id" type string -> integer', 'NON-BREAKING POST /v1/rank request: "user_id" minLength 1 -> (none)'],
  ],
  ['widened request type integer -> number', (m) => (inProps(m).activity_ids!.items = { type: 'number' }), ['NON-BREAKING POST /v1/rank request: "activity_ids[]" type integer -> number']],
  [
    'narrowed response type number -> integer (promises more)',
    (m) => (outProps(m).scores!.items = { type: 'integer' }),
    ['NON-BREAKING POST /v1/rank response 200: "scores[]" type number -> integer'],
  ],
  ['request maxItems down', (m) => (inProps(m).activity_ids!.maxItems = 100), ['BREAKING POST /v1/rank request: "activity_ids" maxItems 200 -> 100']],
  ['request maxItems up', (m) => (inProps(m).activity_ids!.maxItems = 500), ['NON-BREAKING POST /v1/rank request: "activity_ids" maxItems 200 -> 500']],
  ['request minimum added', (m) => (inProps(m).activity_ids!.items = { type: 'integer', minimum: 1 }), ['BREAKING POST /v1/rank request: "activity_ids[]" minimum (none) -> 1']],
  ['request minLength up', (m) => (inProps(m).user_id!.minLength = 3), ['BREAKING POST /v1/rank request: "user_id" minLength 1 -> 3']],
  ['request minItems removed', (m) => delete inProps(m).activity_ids!.minItems, ['NON-BREAKING POST /v1/rank request: "activity_ids" minItems 1 -> (none)']],
  ['request pattern added', (m) => (inProps(m).user_id!.pattern = '^u-'), ['BREAKING POST /v1/rank request: "user_id" pattern (none) -> "^u-"']],
  [
    'removed response field',
    (m) => {
      outProps(m).ids = { type: 'array' };
      delete outProps(m).scores;
      m.endpoints[0]!.output.required = [];
    },
    ['BREAKING POST /v1/rank response 200: field "scores" removed', 'NON-BREAKING POST /v1/rank response 200: field "ids" added'],
  ],
  ['new response field', (m) => (outProps(m).model = { type: 'string' }), ['NON-BREAKING POST /v1/rank response 200: field "model" added']],
  ['response field no longer required', (m) => (m.endpoints[0]!.output.required = []), ['BREAKING POST /v1/rank response 200: field "scores" no longer required']],
  ['unclassified keyword', (m) => (inProps(m).device!.oneOf = [{ const: 'desktop' }]), ['BREAKING POST /v1/rank request: "device" keyword oneOf changed (not classified, treated as breaking)']],
  ['endpoint renamed on the same path', (m) => (m.endpoints[0]!.name = 'rank-items'), ['BREAKING POST /v1/rank: operationId rank -> rankItems (renames generated client methods)']],
  ['odd property names stay on one line', (m) => (inProps(m)['a"b\nc'] = { type: 'string' }), ['NON-BREAKING POST /v1/rank request: field "a\\"b\\nc" added (optional)']],
  ['description-only change', (m) => (inProps(m).device!.description = 'Device class'), []],
  [
    'optional header parameter added',
    (m) => (m.endpoints[0]!.ab!.overrideHeader = 'x-qa'),
    ['NON-BREAKING POST /v1/rank: header x-mlservice-variant no longer read', 'NON-BREAKING POST /v1/rank: optional header x-qa added'],
  ],
];

describe('API change classification', () => {
  it.each(rows)('%s', (_name, mutate, want) => {
    expect(apiLines(mutate)).toEqual(want);
  });

  it('classifies response enum widening as breaking and narrowing as not', () => {
    const before = abModel();
    outProps(before).label = { type: 'string', enum: ['a', 'b'] };
    const widened = abModel();
    outProps(widened).label = { type: 'string', enum: ['a', 'b', 'c'] };
    const narrowed = abModel();
    outProps(narrowed).label = { type: 'string', enum: ['a'] };
    const lines = (after: ServiceModel): string[] =>
      summarizeChanges(before, after)
        .items.filter((i) => i.section === 'api')
        .map((i) => `${i.level} ${i.message}`);
    expect(lines(widened)).toEqual(['breaking POST /v1/rank response 200: "label" enum widened: added "c"']);
    expect(lines(narrowed)).toEqual(['non-breaking POST /v1/rank response 200: "label" enum narrowed: removed "b"']);
  });

  it('walks nested objects and $defs references, and stops on recursive schemas', () => {
    const before = abModel();
    const tree = { type: 'object', properties: { id: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/node' } } } };
    input(before).$defs = { node: tree };
    inProps(before).root = { $ref: '#/$defs/node' };
    const after = structuredClone(before);
    (input(after).$defs.node.properties as Props).id = { type: 'string', maxLength: 8 };
    const lines = summarizeChanges(before, after)
      .items.filter((i) => i.section === 'api')
      .map((i) => i.message);
    // The OpenAPI inlines the first level of the recursive definition (openapi-embed.ts), so the
    // change shows there and once more at the first recursive reference, where the walk stops.
    expect(lines).toEqual(['POST /v1/rank request: "root.id" maxLength (none) -> 8', 'POST /v1/rank request: "root.children[].id" maxLength (none) -> 8']);
  });
});
