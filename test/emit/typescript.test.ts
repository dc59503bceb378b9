import { describe, expect, test } from 'vitest';
import type { ServiceModel } from '../../src/config/model.js';
import { emitTypeScript } from '../../src/emit/typescript.js';
import { emitTypeScriptProject } from '../../src/emit/typescript-project.js';
import { GENERATED_MARKER } from '../../src/emit/types.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';

const fixtures: Array<[string, () => ServiceModel]> = [
  ['minimal', minimalModel],
  ['ab', abModel],
];

describe.each(fixtures)('golden files: %s', (name, make) => {
  const files = [...emitTypeScript(make()), ...emitTypeScriptProject(make())];
  test.each(files.map((f) => [f.path, f] as const))('%s', async (path, file) => {
    await expect(file.content).toMatchFileSnapshot(`__snapshots__/typescript-${name}/${path}`);
  });
});

test('the emitters return the same bytes on every call (no clock, no randomness)', () => {
  const a = emitTypeScript(abModel()).map((f) => f.content);
  const b = emitTypeScript(abModel()).map((f) => f.content);
  expect(b).toEqual(a);
});

test('every generated source starts with the marker; the hooks scaffold does not', () => {
  for (const f of emitTypeScript(abModel())) {
    const marked = f.content.startsWith(`// ${GENERATED_MARKER}\n`);
    expect([f.path, marked]).toEqual([f.path, f.owner === 'generated']);
  }
});

test('the file list and owners', () => {
  const files = [...emitTypeScript(minimalModel()), ...emitTypeScriptProject(minimalModel())];
  expect(files.map((f) => [f.path, f.owner, f.emitter]).sort()).toEqual([
    ['.npmrc', 'shared', 'typescript-project'],
    ['package.json', 'shared', 'typescript-project'],
    ['src/generated/hooks-contract.ts', 'generated', 'typescript'],
    ['src/generated/service.ts', 'generated', 'typescript'],
    ['src/generated/types.ts', 'generated', 'typescript'],
    ['src/hooks.ts', 'scaffold', 'typescript'],
    ['src/main.ts', 'generated', 'typescript'],
    ['test/smoke.test.mjs', 'generated', 'typescript-project'],
    ['tsconfig.json', 'generated', 'typescript-project'],
  ]);
  for (const f of files) {
    expect(f.content.endsWith('\n') && !f.content.endsWith('\n\n')).toBe(true);
    expect(f.content.includes('\r')).toBe(false);
  }
});
