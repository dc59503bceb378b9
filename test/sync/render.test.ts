import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/sync/diff.js';
import { renderDiffs, renderPlanJson, renderPlanTable } from '../../src/sync/render.js';
import { syncFiles } from '../../src/sync/sync.js';
import { CONFIG, gen, scaffold, tempProject } from './helpers.js';

const lines = (n: number, f: (i: number) => string = (i) => `line ${i}`) => Array.from({ length: n }, (_, i) => `${f(i + 1)}\n`).join('');

describe('unifiedDiff', () => {
  it('prints git-style hunks with three lines of context', () => {
    const before = lines(10);
    const after = before.replace('line 5\n', 'line five\n');
    expect(unifiedDiff('x.txt', before, after)).toBe(
      ['--- a/x.txt', '+++ b/x.txt', '@@ -2,7 +2,7 @@', ' line 2', ' line 3', ' line 4', '-line 5', '+line five', ' line 6', ' line 7', ' line 8', ''].join('\n'),
    );
    expect(unifiedDiff('x.txt', before, before)).toBe('');
  });

  it('uses /dev/null for created and deleted files and marks a missing final newline', () => {
    expect(unifiedDiff('n.txt', undefined, 'a\nb\n')).toBe('--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(unifiedDiff('n.txt', 'a\n', undefined)).toBe('--- a/n.txt\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-a\n');
    expect(unifiedDiff('n.txt', 'a\nb', 'a\nb\n')).toBe('--- a/n.txt\n+++ b/n.txt\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n');
  });

  it.each([
    ['scattered edits', lines(40), lines(40, (i) => (i % 9 === 0 ? `changed ${i}` : `line ${i}`))],
    ['insertions and deletions', lines(30), lines(30).replace('line 3\n', '').replace('line 20\n', 'line 20\nnew a\nnew b\n')],
    ['a new file', '', lines(5)],
    ['an emptied file', lines(5), ''],
    ['no final newline', 'a\nb\nc', 'a\nB\nc'],
    ['hostile text', 'x: "${a}" {{b}}\n# c\n', 'x: "${a}" {{b}}\n--- not a header\n+++ nor this\n'],
  ])('produces a patch that real `git apply` turns %s into the new file', async (_, before, after) => {
    const root = await tempProject();
    await writeFile(join(root, 'f.txt'), before);
    await writeFile(join(root, 'p.diff'), unifiedDiff('f.txt', before, after));
    execFileSync('git', ['apply', 'p.diff'], { cwd: root });
    expect(await readFile(join(root, 'f.txt'), 'utf8')).toBe(after);
  });
});

describe('plan renderers', () => {
  async function scenario() {
    const root = await tempProject();
    await syncFiles(root, [gen('a.txt', 'a\n'), gen('old.txt', 'o\n'), scaffold('h.ts', 'h\n')], CONFIG);
    await writeFile(join(root, 'a.txt'), 'edited\n');
    return syncFiles(root, [gen('a.txt', 'a2\n'), gen('b/new.txt', 'new\n'), scaffold('h.ts', 'h\n')], CONFIG, {
      dryRun: true,
    });
  }

  it('renders a table of what changes, with byte sizes and the remedies', async () => {
    const result = await scenario();
    const m = result.entries.find((e) => e.path === '.mlgen/manifest.json');
    const mBefore = m?.before?.length ?? 0;
    const mAfter = Buffer.byteLength(m?.after ?? '');
    const delta = mAfter - mBefore;
    const mSizes = `${mBefore} -> ${mAfter} (${delta > 0 ? '+' : ''}${delta})`;
    expect(renderPlanTable(result)).toBe(
      [
        'ACTION    PATH                  OWNER      BYTES',
        'CONFLICT  a.txt                 generated  7',
        'CREATE    b/new.txt             generated  +4',
        'DELETE    old.txt               generated  2 -> 0 (-2)',
        `UPDATE    .mlgen/manifest.json  generated  ${mSizes}`,
        '',
        'a.txt:1:1 error SYNC.HAND_EDITED generated file was edited by hand (it differs from what mlgen last wrote and from what it would write now); nothing was written',
        '  fix: move the change into a hook (src/hooks) or mlservice.yaml, then run `mlgen sync --force`; or keep it with a three-way merge: `mlgen sync --merge`; or overwrite it with `mlgen sync --force` (your copy goes to .mlgen/backup/a.txt)',
        '',
      ].join('\n'),
    );
    expect(renderPlanTable({ entries: result.entries.filter((e) => e.action === 'unchanged'), diagnostics: [] })).toBe('Everything is in sync.\n');
  });

  it('renders JSON with stable keys and no file contents', async () => {
    const json = JSON.parse(renderPlanJson(await scenario()));
    expect(json.exitCode).toBe(2);
    expect(json.entries.map((e: { path: string; action: string }) => `${e.action} ${e.path}`)).toEqual([
      'unchanged .mlgen/.gitignore',
      'conflict a.txt',
      'create b/new.txt',
      'scaffold-skip h.ts',
      'delete old.txt',
      'update .mlgen/manifest.json',
    ]);
    expect(json.entries[1]).toEqual({
      action: 'conflict',
      bytesAfter: 7,
      bytesBefore: 7,
      emitter: 'test',
      owner: 'generated',
      path: 'a.txt',
      resolution: 'refused',
    });
  });

  it('renders diffs that real git applies to reach the synced tree', async () => {
    const root = await tempProject();
    const v1 = [gen('a.txt', lines(12)), gen('gone.txt', 'g\n')];
    const v2 = [gen('a.txt', lines(12).replace('line 6', 'line six')), gen('d/new.txt', 'n\n')];
    await syncFiles(root, v1, CONFIG);
    const dry = await syncFiles(root, v2, CONFIG, { dryRun: true });
    const patch = renderDiffs(dry);
    expect(patch).toContain('--- a/gone.txt\n+++ /dev/null\n');
    const elsewhere = await tempProject();
    await writeFile(join(elsewhere, 'sync.diff'), patch);
    execFileSync('git', ['apply', join(elsewhere, 'sync.diff')], { cwd: root });
    const applied = await readFile(join(root, 'a.txt'), 'utf8');
    expect(applied).toBe(lines(12).replace('line 6', 'line six'));
    expect((await syncFiles(root, v2, CONFIG, { check: true })).exitCode).toBe(0);
  });
});
