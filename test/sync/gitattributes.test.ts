import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitGitattributes } from '../../src/emit/gitattributes.js';
import { upsertBlock } from '../../src/emit/managed-block.js';
import { syncFiles } from '../../src/sync/sync.js';
import { minimalModel } from '../../testkit/fixtures.js';
import { CONFIG, read, tempProject } from './helpers.js';

const SPEC = { begin: '# BEGIN mlgen', end: '# END mlgen', body: 'a\nb' };
const BLOCK = '# BEGIN mlgen\na\nb\n# END mlgen\n';

describe('upsertBlock', () => {
  it.each([
    ['an empty file', '', BLOCK],
    ['a file without a final newline', 'user', `user\n\n${BLOCK}`],
    ['a file ending in a blank line', 'user\n\n', `user\n\n${BLOCK}`],
    ['an old block in the middle', 'top\n# BEGIN mlgen\nold\n# END mlgen\nbottom\n', `top\n${BLOCK}bottom\n`],
    ['an old block without a final newline', 'top\n# BEGIN mlgen\nold\n# END mlgen', `top\n${BLOCK}`],
    ['CRLF markers', 'top\r\n# BEGIN mlgen\r\nold\r\n# END mlgen\r\nbottom\r\n', `top\r\n${BLOCK}bottom\r\n`],
    ['two blocks after a bad merge', `${BLOCK}x\n${BLOCK}`, `${BLOCK}x\n`],
    ['a begin marker without an end', 'top\n# BEGIN mlgen\nkeep me\n', `top\nkeep me\n\n${BLOCK}`],
    ['hostile user lines', '# BEGIN mlgenx\n{{x}} ${y} : #\n', `# BEGIN mlgenx\n{{x}} \${y} : #\n\n${BLOCK}`],
  ])('handles %s, keeps user lines and is idempotent', (_, input, expected) => {
    const once = upsertBlock(input, SPEC);
    expect(once).toBe(expected);
    expect(upsertBlock(once, SPEC)).toBe(once);
  });
});

describe('the .gitattributes emitter', () => {
  it('emits one shared file whose block collapses bulky outputs only', () => {
    const [file] = emitGitattributes(minimalModel());
    expect(file?.owner).toBe('shared');
    expect(file?.content).toBe(
      [
        '# BEGIN mlgen',
        '# Managed by mlgen sync; edit outside this block.',
        'src/generated/** linguist-generated gitlab-generated eol=lf',
        'openapi.yaml linguist-generated gitlab-generated eol=lf',
        '.mlgen/manifest.json linguist-generated gitlab-generated eol=lf',
        'Dockerfile eol=lf',
        '.dockerignore eol=lf',
        'chart/** eol=lf',
        'deploy/spinnaker/** eol=lf',
        '.github/workflows/** eol=lf',
        '# END mlgen',
        '',
      ].join('\n'),
    );
  });

  it('is read by real git as intended: generated code collapsed, deploy files visible, LF everywhere', async () => {
    const root = await tempProject();
    execFileSync('git', ['init', '-q'], { cwd: root });
    await syncFiles(root, emitGitattributes(minimalModel()), CONFIG);
    const paths = [
      'src/generated/routes.ts',
      'openapi.yaml',
      '.mlgen/manifest.json',
      'chart/scorer/values.yaml',
      'Dockerfile',
      'deploy/spinnaker/pipeline.json',
      '.github/workflows/ci.yml',
      'src/hooks.ts',
    ];
    const out = execFileSync('git', ['check-attr', 'linguist-generated', 'gitlab-generated', 'eol', '--', ...paths], {
      cwd: root,
      encoding: 'utf8',
    });
    const attrs = Object.fromEntries(
      paths.map((p) => [
        p,
        out
          .split('\n')
          .filter((l) => l.startsWith(`${p}: `))
          .map((l) => l.slice(p.length + 2))
          .join(', '),
      ]),
    );
    expect(attrs).toEqual({
      'src/generated/routes.ts': 'linguist-generated: set, gitlab-generated: set, eol: lf',
      'openapi.yaml': 'linguist-generated: set, gitlab-generated: set, eol: lf',
      '.mlgen/manifest.json': 'linguist-generated: set, gitlab-generated: set, eol: lf',
      'chart/scorer/values.yaml': 'linguist-generated: unspecified, gitlab-generated: unspecified, eol: lf',
      Dockerfile: 'linguist-generated: unspecified, gitlab-generated: unspecified, eol: lf',
      'deploy/spinnaker/pipeline.json': 'linguist-generated: unspecified, gitlab-generated: unspecified, eol: lf',
      '.github/workflows/ci.yml': 'linguist-generated: unspecified, gitlab-generated: unspecified, eol: lf',
      'src/hooks.ts': 'linguist-generated: unspecified, gitlab-generated: unspecified, eol: unspecified',
    });
  });

  it('works for a service in a subfolder of a monorepo, where git ignores [attr] macros', async () => {
    const repo = await tempProject();
    execFileSync('git', ['init', '-q'], { cwd: repo });
    const service = join(repo, 'services', 'scorer');
    await mkdir(service, { recursive: true });
    await syncFiles(service, emitGitattributes(minimalModel()), CONFIG);
    const r = spawnSync('git', ['check-attr', 'linguist-generated', '--', 'services/scorer/openapi.yaml', 'services/scorer/Dockerfile'], { cwd: repo, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('services/scorer/openapi.yaml: linguist-generated: set\nservices/scorer/Dockerfile: linguist-generated: unspecified\n');
  });

  it('syncs into an existing .gitattributes, keeps the user lines, and is a no-op the second time', async () => {
    const root = await tempProject();
    await writeFile(join(root, '.gitattributes'), '*.png binary\n');
    const first = await syncFiles(root, emitGitattributes(minimalModel()), CONFIG);
    expect(first.entries.find((e) => e.path === '.gitattributes')?.action).toBe('update');
    const text = await read(root, '.gitattributes');
    expect(text.startsWith('*.png binary\n\n# BEGIN mlgen\n')).toBe(true);
    await writeFile(join(root, '.gitattributes'), `${text}docs/** linguist-documentation\n`);
    const second = await syncFiles(root, emitGitattributes(minimalModel()), CONFIG);
    expect(second.written).toEqual([]);
    expect(second.exitCode).toBe(0);
    expect(await read(root, '.gitattributes')).toBe(`${text}docs/** linguist-documentation\n`);
  });
});
