import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ServiceModel } from '../../src/config/model.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { buildRuntime, makeServiceProject, serviceFiles, tsc, writeFiles } from '../../testkit/service-project.js';

const cleanups: Array<() => Promise<void>> = [];
beforeAll(() => buildRuntime());
afterAll(() => Promise.all(cleanups.map((c) => c())));

async function project(model: ServiceModel): Promise<string> {
  const p = await makeServiceProject(model);
  cleanups.push(p.cleanup);
  return p.dir;
}

describe('the generated project compiles under its strict tsconfig with zero diagnostics', () => {
  test.each([
    ['minimal', minimalModel],
    ['ab', abModel],
  ])('%s', async (_name, make) => {
    const dir = await project(make());
    expect(await tsc(dir)).toEqual({ code: 0, output: '' });
  });

  test('names that are not identifiers and every schema feature the printer knows', async () => {
    const model = minimalModel();
    const e = model.endpoints[0]!;
    e.name = 'score-v2';
    e.input = {
      type: 'object',
      required: ['features', 'x-y'],
      properties: {
        features: { type: 'array', items: { type: 'number' }, maxItems: 4 },
        'x-y': { type: 'integer', description: 'has */ inside' },
        flag: { type: 'boolean' },
        tags: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'null' }] } },
        pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], items: false },
        meta: { type: 'object', additionalProperties: true },
        "quote'd": { const: 'a"b${c}' },
      },
    };
    e.output = { type: 'object', required: ['label', 'p'], properties: { label: { type: 'integer' }, p: { type: 'boolean' } } };
    const dir = await project(model);
    expect(await tsc(dir)).toEqual({ code: 0, output: '' });
    const hooks = await readFile(join(dir, 'src/hooks.ts'), 'utf8');
    expect(hooks).toContain(`      return [{ input: [...padded(input.features, 4), input["x-y"], input.flag ? 1 : 0] }];`);
  });
});

test('drift: a request field that changes type breaks tsc in the user hooks file', async () => {
  const dir = await project(minimalModel());
  // The user's hooks were written for `features: number[]`; the config now says string[].
  const changed = minimalModel();
  changed.endpoints[0]!.input = {
    type: 'object',
    required: ['features'],
    properties: { features: { type: 'array', items: { type: 'string' }, maxItems: 4 } },
  };
  await writeFiles(
    dir,
    serviceFiles(changed).filter((f) => f.owner === 'generated'),
  );
  const result = await tsc(dir);
  expect(result.code).toBe(2);
  const lines = result.output
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('src/'));
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.every((l) => l.startsWith('src/hooks.ts('))).toBe(true);
  expect(result.output).toContain("error TS1360: Type 'string[]' does not satisfy the expected type 'number[]'.");
});

test('drift: an endpoint missing from the hooks file is a tsc error in it', async () => {
  const dir = await project(minimalModel());
  const hooks = await readFile(join(dir, 'src/hooks.ts'), 'utf8');
  await writeFile(join(dir, 'src/hooks.ts'), hooks.replace('  score: {', '  scorer: {'));
  const result = await tsc(dir);
  expect(result.code).toBe(2);
  expect(result.output).toContain('src/hooks.ts(');
  expect(result.output).toContain("'scorer' does not exist in type 'Hooks'");
});

test('a stub inserted for a new endpoint type-checks against the regenerated contract', async () => {
  const dir = await project(minimalModel());
  const model = minimalModel();
  model.endpoints.push({ ...structuredClone(model.endpoints[0]!), name: 'explain-v2', path: '/v1/explain' });
  const files = serviceFiles(model);
  const hooksFile = files.find((f) => f.path === 'src/hooks.ts')!;
  const before = await readFile(join(dir, 'src/hooks.ts'), 'utf8');
  await writeFile(join(dir, 'src/hooks.ts'), hooksFile.update!(before));
  await writeFiles(
    dir,
    files.filter((f) => f.owner === 'generated'),
  );
  expect(await tsc(dir)).toEqual({ code: 0, output: '' });
});

test('hostile strings from the config stay inside their literals and comments', async () => {
  const model = abModel();
  model.service.description = 'Ranks */ "quotes" \'single\' ${x} `tick` {{h}} # : \n second line ü 🚀 ../';
  const e = model.endpoints[0]!;
  e.path = '/v1/rank/"x"/*/';
  e.input = {
    ...e.input,
    description: 'ends */ here ${x}',
    properties: {
      ...(e.input.properties as object),
      'weird key"\'`${}': { type: 'number', description: '*/ /*' },
      'line\nbreak\u2028': { type: 'string' },
    },
  };
  e.examples = [{ user_id: '"; process.exit(1); //', activity_ids: [1], 'weird key"\'`${}': 1 }];
  e.ab!.experiment = 'exp\'"${x}';
  const dir = await project(model);
  expect(await tsc(dir)).toEqual({ code: 0, output: '' });
  const service = await readFile(join(dir, 'src/generated/service.ts'), 'utf8');
  expect(service).toContain('    experiment: "exp\'\\"${x}",\n');
  expect(service).toContain('    description: "Ranks */ \\"quotes\\" \'single\' ${x} `tick` {{h}} # : \\n second line ü 🚀 ../",\n');
});
