import { Node, Project, SyntaxKind } from 'ts-morph';
import { describe, expect, test } from 'vitest';
import type { EndpointSpec, ModelInput } from '../../src/config/model.js';
import { emitTypeScript } from '../../src/emit/typescript.js';
import { endpointStub, hooksModule } from '../../src/emit/ts/default-hooks.js';
import { hookEntryNames } from '../../src/emit/ts/hooks-scan.js';
import { updateHooks } from '../../src/emit/ts/hooks-update.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';

function withEndpoint(name: string) {
  const model = minimalModel();
  const extra: EndpointSpec = { ...structuredClone(model.endpoints[0]!), name, path: `/v1/${name}` };
  model.endpoints.push(extra);
  return { model, extra };
}

describe('inserting a stub for a new endpoint', () => {
  test('adds exactly the stub before the closing brace; every other byte is unchanged', () => {
    const original = hooksModule(minimalModel());
    const { model, extra } = withEndpoint('explain');
    const updated = emitTypeScript(model).find((f) => f.path === 'src/hooks.ts')!.update!(original);
    const at = original.indexOf('} satisfies Hooks;');
    const stub = `${endpointStub(extra, '  ')}\n`;
    expect(updated).toBe(original.slice(0, at) + stub + original.slice(at));
    expect(updateHooks(updated, model.endpoints)).toBe(updated);
  });

  test('keeps the user formatting: only a comma after a last entry that had none, and the stub', () => {
    const user = [
      '// my hooks, my style',
      "import type { Hooks } from './generated/hooks-contract.js'",
      'export const hooks = {',
      '    score: {preprocess: (i) => [{ x: new Float32Array(i.features) }],',
      '            postprocess: (o) => ({ score: 1 }) }   // trailing comment',
      '} as Hooks',
      '',
    ].join('\n');
    const { model, extra } = withEndpoint('explain');
    const updated = updateHooks(user, model.endpoints);
    const lastEnd = user.indexOf(' }   // trailing') + 2;
    const at = user.indexOf('} as Hooks');
    const want = `${user.slice(0, lastEnd)},${user.slice(lastEnd, at)}${endpointStub(extra, '  ')}\n${user.slice(at)}`;
    expect(updated).toBe(want);
  });

  test.each([
    ['quoted key', "export const hooks = {\n  'rank-v2': {},\n} satisfies Hooks;\n"],
    ['double quotes', 'export const hooks = {\n  "rank-v2": {},\n};\n'],
  ])('recognises an existing entry written with a %s', (_n, text) => {
    const { model } = withEndpoint('rank-v2');
    model.endpoints.shift();
    expect(updateHooks(text, model.endpoints)).toBe(text);
  });

  test('an empty object on one line gets the stub on its own lines', () => {
    const { model, extra } = withEndpoint('explain');
    model.endpoints.shift();
    expect(updateHooks('export const hooks = {} satisfies Hooks;\n', model.endpoints)).toBe(`export const hooks = {\n${endpointStub(extra, '  ')}\n} satisfies Hooks;\n`);
  });

  test('a file without a `hooks` object literal is left alone (tsc then names what is missing)', () => {
    const text = 'import { build } from "./x.js";\nexport const hooks = build();\n';
    expect(updateHooks(text, abModel().endpoints)).toBe(text);
  });

  test('hostile endpoint names are quoted and messages escaped', () => {
    const e = { ...minimalModel().endpoints[0]!, name: 'a-1' };
    expect(endpointStub(e, '')).toBe(
      [
        '"a-1": {',
        '  // Added by mlgen sync for a new endpoint in mlservice.yaml: replace both bodies.',
        '  preprocess(input, ctx) {',
        '    throw new Error("preprocess of endpoint \\"a-1\\" is not written yet (src/hooks.ts)");',
        '  },',
        '  postprocess(outputs, input, ctx) {',
        '    throw new Error("postprocess of endpoint \\"a-1\\" is not written yet (src/hooks.ts)");',
        '  },',
        '},',
      ].join('\n'),
    );
  });
});

/** What ts-morph sees, the way updateHooks asks it: the oracle the quick reader must never exceed. */
function tsMorphEntryNames(text: string): Set<string> | undefined {
  const project = new Project({ useInMemoryFileSystem: true, skipLoadingLibFiles: true });
  let init = project.createSourceFile('hooks.ts', text).getVariableDeclaration('hooks')?.getInitializer();
  while (init && (Node.isSatisfiesExpression(init) || Node.isAsExpression(init) || Node.isParenthesizedExpression(init))) init = init.getExpression();
  const props = init?.asKind(SyntaxKind.ObjectLiteralExpression)?.getProperties();
  return props && new Set(props.flatMap((p) => (Node.isPropertyAssignment(p) || Node.isMethodDeclaration(p) || Node.isShorthandPropertyAssignment(p) ? [p.getSymbol()?.getName() ?? ''] : [])));
}

describe('reading the hooks entries without ts-morph', () => {
  test.each<[string, string, string[] | undefined]>([
    ['every entry form', 'export const hooks = {\n  a: {},\n  \'b-c\': {},\n  "d": {},\n  e() {},\n  async f() {},\n  g,\n} satisfies Hooks;\n', ['a', 'b-c', 'd', 'e', 'f', 'g']],
    ['parentheses and as', 'const hooks = ({ a: {} } as Hooks);\n', ['a']],
    ['brackets in comments and strings', "export const hooks = { /* } */ a: { s: '}', t: `${'}'}` }, // }\n b: {} };\n", ['a', 'b']],
    ['an escaped key', 'export const hooks = { r\\u0061nk: {} };\n', ['rank']],
    ['accessors, computed and numeric keys, spreads: left to ts-morph', "export const hooks = { get a() { return {}; }, ['b']: {}, 1: {}, ...base, c: {} };\n", ['c']],
    ['a syntax error', 'export const hooks = { a: {}\n', undefined],
    ['two declarations', 'var hooks = { a: {} };\nvar hooks = { b: {} };\n', undefined],
    ['a destructuring declaration', "const { hooks } = await import('./x.js');\n", undefined],
    ['no object literal', 'export const hooks = build();\n', undefined],
    ['only a nested declaration', 'function f() { const hooks = { a: {} }; return hooks; }\n', undefined],
  ])('%s', (_n, text, want) => {
    const names = hookEntryNames(text);
    expect(names && [...names].sort()).toEqual(want);
    const oracle = tsMorphEntryNames(text);
    for (const n of names ?? []) expect(oracle?.has(n)).toBe(true);
  });

  test('a name the quick reader cannot see goes to ts-morph: a computed key counts, a missing name gets its stub', () => {
    const text = "export const hooks = { score: {}, ['explain']: {} } satisfies Hooks;\n";
    const { model } = withEndpoint('explain');
    expect(hookEntryNames(text)).toEqual(new Set(['score']));
    // ts-morph sees the computed key, so nothing is inserted.
    expect(updateHooks(text, model.endpoints)).toBe(text);
    expect(updateHooks('export const hooks = { score: {} };\n', model.endpoints)).toContain('explain: {');
  });
});

describe('default hooks', () => {
  test('ranking with object items: ids and scores sorted by score', () => {
    const model = abModel();
    model.endpoints[0]!.output = {
      type: 'object',
      required: ['ranking'],
      properties: {
        ranking: {
          type: 'array',
          items: { type: 'object', required: ['activity_id', 'score'], properties: { activity_id: { type: 'integer' }, score: { type: 'number' } } },
        },
      },
    };
    expect(hooksModule(model)).toContain(
      [
        '    postprocess(outputs, input) {',
        '      return { ranking: input.activity_ids',
        '        .map((id, i) => ({ activity_id: id, score: firstValue(outputs[i]) }))',
        '        .sort((a, b) => b.score - a.score) };',
        '    },',
      ].join('\n'),
    );
  });

  test('a response no default fits gets a postprocess that says so', () => {
    const model = minimalModel();
    model.endpoints[0]!.output = { type: 'object', required: ['label'], properties: { label: { type: 'string' } } };
    expect(hooksModule(model)).toContain('    postprocess() {\n      throw new Error("postprocess of endpoint \\"score\\": no default fits its response schema; write it in src/hooks.ts");\n    },');
  });
});

describe('default hooks with the model inputs sync saw', () => {
  test.each<[string, ModelInput[], string[]]>([
    ['real name, matching width', [{ name: 'dense_input', elemType: 'float', dims: ['batch', 4] }], ['      return [{ dense_input: input.features satisfies number[] }];']],
    ['double input', [{ name: 'x', elemType: 'double', dims: [null, 4] }], ['      return [{ x: input.features satisfies number[] }];']],
    [
      'width differs',
      [{ name: 'x', elemType: 'float', dims: ['batch', 5] }],
      ['    // The model expects 5 values per row; this default builds 4: adjust it.\n', '      return [{ x: input.features satisfies number[] }];'],
    ],
    [
      'two inputs, one int64, name not an identifier',
      [
        { name: 'a:0', elemType: 'int64', dims: ['batch', 4] },
        { name: 'b', elemType: 'float' },
      ],
      [
        '    // The model has 2 inputs (a:0, b): add one entry per input to each row.\n',
        '    // Input "a:0" takes int64 elements: the row stays a plain array; the service converts it and refuses (400) a value int64 cannot hold.\n',
        '      return [{ "a:0": input.features satisfies number[] }];',
      ],
    ],
  ])('%s', (_n, inputs, want) => {
    const model = minimalModel();
    model.models[0]!.inputs = inputs;
    const text = hooksModule(model);
    for (const w of want) expect(text).toContain(w);
  });

  test('A/B endpoints use the first variant model; the ranking row counts the candidate', () => {
    const model = abModel();
    model.models[0]!.inputs = [{ name: 'feats', elemType: 'float', dims: ['batch', 21] }];
    const text = hooksModule(model);
    expect(text).toContain('({ feats: [...padded(input.history ?? [], 20), candidate] })');
    expect(text).not.toContain('values per row');
  });
});
