/**
 * The Dockerfile reader the identity test relies on, on the generated Dockerfile: hostile free
 * text in the config (quotes, `$`, `${...}`, backslashes, `#`, line breaks, unicode) reaches the
 * description label as written, and cannot inject a variable, another label or an instruction.
 */
import { describe, expect, it } from 'vitest';
import { emitDockerfile } from '../../src/emit/dockerfile.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { imageConfig } from './dockerfile-image.js';

const dockerfileFor = (description: string): string => {
  const model = minimalModel();
  model.service.description = description;
  return emitDockerfile(model).find((f) => f.path === 'Dockerfile')!.content;
};

describe('image labels of the generated Dockerfile', () => {
  it.each([
    ['quotes and a backslash', 'He said "hi" \\ then left', 'He said "hi" \\ then left'],
    ['variables', 'costs $5 for ${REVISION} and $VERSION', 'costs $5 for ${REVISION} and $VERSION'],
    ['a fake second label', 'x" org.opencontainers.image.revision="forged', 'x" org.opencontainers.image.revision="forged'],
    ['a line break with an instruction after it', 'one\nRUN rm -rf /\n# two', 'one RUN rm -rf / # two'],
    ['unicode', 'Empfehlungen für Ärzte ✓', 'Empfehlungen für Ärzte ✓'],
  ])('a description with %s is the label value, nothing more', (_what, description, label) => {
    const { labels } = imageConfig(dockerfileFor(description), { REVISION: 'abc123' });
    expect(labels['org.opencontainers.image.description']).toBe(label);
    expect(labels['org.opencontainers.image.revision']).toBe('abc123');
    expect(
      Object.keys(labels)
        .filter((k) => k.startsWith('org.opencontainers.image.'))
        .sort(),
    ).toEqual(['base.name', 'description', 'revision', 'source', 'title', 'version'].map((k) => `org.opencontainers.image.${k}`));
  });

  it('without build args the ARG defaults apply: revision unknown, the configured version, a pinned model version', () => {
    const model = abModel();
    const { labels, env } = imageConfig(emitDockerfile(model).find((f) => f.path === 'Dockerfile')!.content, {});
    expect(labels['org.opencontainers.image.revision']).toBe('unknown');
    expect(labels['org.opencontainers.image.version']).toBe(model.service.version);
    expect(env.MLSERVICE_REVISION).toBe('unknown');
    // models:/activity-ranker/12 is known from the config; the alias resolves only at pull time.
    expect(labels['io.mlservice.model.ranker-control.version']).toBe('12');
    expect(labels['io.mlservice.model.ranker-treatment.version']).toBe('');
  });

  it('refuses a variable that is neither an ARG nor an ENV of the final stage', () => {
    expect(() => imageConfig('FROM a AS build\nARG X=1\nFROM b\nLABEL k="${X}"\n', {})).toThrow('${X} is neither an ARG nor an ENV of the final stage');
  });
});
