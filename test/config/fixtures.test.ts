import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { AB_YAML, MINIMAL_YAML, abModel, minimalModel } from '../../testkit/fixtures.js';

describe('shared fixtures are what the loader makes of their YAML', () => {
  it('minimalModel() equals MINIMAL_YAML loaded', () => {
    expect(parseConfigText(MINIMAL_YAML, 'mlservice.yaml')).toStrictEqual(minimalModel());
  });
  it('abModel() equals AB_YAML loaded', () => {
    expect(parseConfigText(AB_YAML, 'mlservice.yaml')).toStrictEqual(abModel());
    // toStrictEqual ignores key order; the order of fields and examples is meaningful, so compare it too.
    const written = (m: ReturnType<typeof abModel>) => JSON.stringify(m.endpoints.map((e) => [e.input, e.output, e.examples]));
    expect(written(parseConfigText(AB_YAML, 'mlservice.yaml'))).toBe(written(abModel()));
  });
  it('returns fresh copies', () => {
    const a = minimalModel();
    a.endpoints[0]!.name = 'changed';
    expect(minimalModel().endpoints[0]!.name).toBe('score');
  });
});
