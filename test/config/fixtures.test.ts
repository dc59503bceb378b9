import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { AB_YAML, MINIMAL_YAML, abModel, minimalModel } from '../support/fixtures.js';

describe('shared fixtures are what the loader makes of their YAML', () => {
  it('minimalModel() equals MINIMAL_YAML loaded', () => {
    expect(parseConfigText(MINIMAL_YAML, 'mlservice.yaml')).toStrictEqual(minimalModel());
  });
  it('abModel() equals AB_YAML loaded', () => {
    expect(parseConfigText(AB_YAML, 'mlservice.yaml')).toStrictEqual(abModel());
  });
  it('returns fresh copies', () => {
    const a = minimalModel();
    a.endpoints[0]!.name = 'changed';
    expect(minimalModel().endpoints[0]!.name).toBe('score');
  });
});
