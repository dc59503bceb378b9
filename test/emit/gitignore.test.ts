/**
 * The `.gitignore` block, checked by git itself (`git check-ignore`) over a table of paths: what
 * npm, tsc and `mlgen models pull` write is ignored, the team's sources and committed models are not,
 * and the user's own lines around the block keep working.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../src/config/model.js';
import { emitGitignore, pulledModelDirs } from '../../src/emit/gitignore.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { tempDir } from '../support/temp.js';

function local(name: string, path: string): ModelSpec {
  return { name, source: { kind: 'local', uri: path, path }, runtime: 'onnx' };
}

/** Paths (of the list) git ignores in a repo whose .gitignore is `text`. */
function ignoredBy(text: string, paths: string[]): string[] {
  const dir = tempDir('mlgen-gitignore-');
  execFileSync('git', ['init', '-q'], { cwd: dir });
  writeFileSync(join(dir, '.gitignore'), text);
  // --no-index: judge by the rules alone; exit 1 = none ignored.
  const r = spawnSync('git', ['check-ignore', '--no-index', '--stdin'], { cwd: dir, input: paths.join('\n') + '\n', encoding: 'utf8' });
  expect(r.status === 0 || r.status === 1, r.stderr).toBe(true);
  return r.stdout.split('\n').filter(Boolean);
}

describe('pulledModelDirs', () => {
  it.each([
    ['registry and alias sources', abModel().models, ['models/ranker-control', 'models/ranker-treatment']],
    ['a local file inside models/<name>/ (committed, used in place)', [local('scorer', 'models/scorer/model.onnx')], []],
    ['a local MLflow directory that is models/<name>', [local('scorer', 'models/scorer')], []],
    ['a local file elsewhere (copied into models/<name>/)', [local('churn', 'vendor/churn.onnx')], ['models/churn']],
    ['a local file beside the model dirs', [local('churn', 'models/churn.onnx')], ['models/churn']],
    ['a leading ./', [local('churn', './models/churn/model.onnx')], []],
    ["a local source inside another model's directory", [local('a', 'models/b/a.onnx'), { ...abModel().models[0]!, name: 'b' }], ['models/a']],
  ])('%s', (_what, models, expected) => {
    const m = minimalModel();
    m.models = models;
    expect(pulledModelDirs(m)).toEqual(expected);
  });
});

describe('the .gitignore emitter', () => {
  const m = abModel();
  const [file] = emitGitignore(m);

  it('is a shared file with one managed block', () => {
    expect(file?.owner).toBe('shared');
    expect(file?.content).toBe(
      [
        '# BEGIN mlgen',
        '# Managed by mlgen sync; edit outside this block.',
        '# npm install, npm run build',
        'node_modules/',
        '/dist/',
        '*.tsbuildinfo',
        'npm-debug.log*',
        '# mlgen models pull: models.lock.json (committed) records these; CI pulls them again',
        '/models/ranker-control/',
        '/models/ranker-treatment/',
        '/models/.mlgen-*',
        '# END mlgen',
        '',
      ].join('\n'),
    );
  });

  it('keeps the user lines around the block and is idempotent', () => {
    const mine = '.env\n*.log\n';
    const once = file!.update!(mine);
    expect(once).toBe(`${mine}\n${file!.content}`);
    expect(file!.update!(once)).toBe(once);
  });

  it.each([
    ['node_modules/fastify/package.json', true],
    ['node_modules/.bin/tsc', true],
    ['dist/main.js', true],
    ['tsconfig.tsbuildinfo', true],
    ['npm-debug.log.123', true],
    ['models/ranker-control/model.onnx', true],
    ['models/.mlgen-pull-ranker-control-0a1b2c/model.onnx', true],
    ['models/.mlgen-old-ranker-control-0a1b2c/model.onnx', true],
    ['.env', true],
    ['package-lock.json', false],
    ['models.lock.json', false],
    ['mlservice.yaml', false],
    ['src/hooks.ts', false],
    ['src/generated/service.ts', false],
    ['src/dist/x.ts', false],
    ['models/ranker-control.onnx', false],
    ['models/other/model.onnx', false],
    ['.mlgen/manifest.json', false],
  ])('git check-ignore %s -> %s', (path, ignored) => {
    const text = file!.update!('.env\n');
    expect(ignoredBy(text, [path])).toEqual(ignored ? [path] : []);
  });
});
