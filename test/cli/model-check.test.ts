import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mlgen, tempProject, treeHashes } from '../support/cli.js';
import { buildMlp } from '../../testkit/onnx-builder.js';

describe('sync checks pulled models against the config (built CLI)', () => {
  it('refuses A/B variants whose models take different inputs, with the location of the variant, and writes nothing', () => {
    const dir = tempProject();
    expect(mlgen(dir, ['init', '--name', 'ab-svc', '--model', 'models:/ranker/1', '--fields', 'user_id:string,x:number', '--ab-model', 'models:/ranker/2']).code).toBe(0);
    for (const [name, dim] of [
      ['ranker', 4],
      ['ranker-treatment', 6],
    ] as const) {
      mkdirSync(path.join(dir, 'models', name), { recursive: true });
      writeFileSync(path.join(dir, 'models', name, 'model.onnx'), buildMlp({ inputName: 'features', inputDim: dim, hidden: [8], seed: dim }));
    }
    const before = treeHashes(dir);
    const r = mlgen(dir, ['sync']);
    expect(r.code).toBe(65);
    const [head, fix] = r.stderr.split('\n');
    expect(head).toMatch(/^mlservice\.yaml:\d+:\d+ error SIGNATURE\.AB_MISMATCH /);
    const line = Number(/^mlservice\.yaml:(\d+):/.exec(head!)![1]);
    expect(readFileSync(path.join(dir, 'mlservice.yaml'), 'utf8').split('\n')[line - 1]).toMatch(/ab:|variants|model: ranker/);
    expect(fix).toMatch(/^ {2}fix: /);
    expect(treeHashes(dir)).toEqual(before);
  });

  it('a new project with the model already pulled gets default hooks that feed the real input name', () => {
    const dir = tempProject();
    mkdirSync(path.join(dir, 'models', 'scorer'), { recursive: true });
    writeFileSync(path.join(dir, 'models', 'scorer', 'model.onnx'), buildMlp({ inputName: 'dense_input', inputDim: 2, hidden: [4], seed: 1 }));
    expect(mlgen(dir, ['init', '--name', 'scorer-svc', '--model', 'models:/scorer/1', '--fields', 'a:number,b:number']).code).toBe(0);
    const hooks = readFileSync(path.join(dir, 'src/hooks.ts'), 'utf8');
    expect(hooks).toContain('return [{ dense_input: [input.a, input.b] }];');
    expect(hooks).not.toContain('{ input: ');
  });

  it('a local model that is not there yet is a warning naming mlservice.yaml from the project root', () => {
    const dir = tempProject();
    const r = mlgen(dir, ['init', '--name', 'later', '--model', 'onnx/scorer.onnx']);
    expect(r.code, r.stderr).toBe(0);
    const warning = r.stdout.split('\n').find((l) => l.includes('SIGNATURE.NOT_THERE'));
    expect(warning).toMatch(/^mlservice\.yaml:\d+:\d+ warning SIGNATURE\.NOT_THERE model "scorer": onnx\/scorer\.onnx is not there yet/);
  });

  it('pulling models after a sync is not drift: the manifest does not depend on scaffold templates', () => {
    const dir = tempProject();
    expect(mlgen(dir, ['init', '--name', 'late-pull', '--model', 'models:/scorer/1', '--fields', 'a:number']).code).toBe(0);
    mkdirSync(path.join(dir, 'models', 'scorer'), { recursive: true });
    writeFileSync(path.join(dir, 'models', 'scorer', 'model.onnx'), buildMlp({ inputName: 'dense_input', inputDim: 1, hidden: [2], seed: 3 }));
    expect(mlgen(dir, ['check'])).toEqual({ code: 0, stdout: 'Everything is in sync.\ncheck: in sync\n', stderr: '' });
  });
});
