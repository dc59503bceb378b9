import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, formatDiagnostic } from '../../src/diagnostics.js';
import { gitBlobId, sha256 } from '../../src/sync/hash.js';
import { syncFiles } from '../../src/sync/sync.js';
import { CONFIG, gen, read, snapshotTree, tempProject } from './helpers.js';

const V1 = ['// header', 'import a', '', 'function one() {', '  return 1;', '}', '', 'function two() {', '  return 2;', '}', ''].join('\n');
/** The generator changes `two`; a user edit of `one` does not overlap it. */
const V2 = V1.replace('return 2;', 'return 22;');

async function edited(root: string, from: string, to: string): Promise<void> {
  const text = await read(root, 'gen.ts');
  await writeFile(join(root, 'gen.ts'), text.replace(from, to));
}

describe('a hand-edited generated file', () => {
  it('is refused by default: exit 2, one message with remedies, and NOTHING written', async () => {
    const root = await tempProject();
    await syncFiles(root, [gen('gen.ts', V1), gen('other.txt', 'o1\n'), gen('stale.txt', 's\n')], CONFIG);
    await edited(root, 'return 1;', 'return 100;');
    const before = await snapshotTree(root);
    const r = await syncFiles(root, [gen('gen.ts', V2), gen('other.txt', 'o2\n'), gen('new.txt', 'n\n')], CONFIG);
    expect(r.exitCode).toBe(EXIT.conflict);
    expect(r.refused).toBe(true);
    expect(r.written).toEqual([]);
    expect(r.deleted).toEqual([]);
    expect(await snapshotTree(root)).toEqual(before);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'gen.ts:5:1 error SYNC.HAND_EDITED generated file was edited by hand (it differs from what mlgen last wrote and from what it would write now); nothing was written\n' +
        '  fix: move the change into a hook (src/hooks) or mlservice.yaml, then run `mlgen sync --force`; ' +
        'or keep it with a three-way merge: `mlgen sync --merge`; ' +
        'or overwrite it with `mlgen sync --force` (your copy goes to .mlgen/backup/gen.ts)',
    ]);
  });

  it('--force overwrites it and keeps the user copy in .mlgen/backup/<path> (gitignored)', async () => {
    const root = await tempProject();
    await syncFiles(root, [gen('src/gen.ts', V1)], CONFIG);
    await writeFile(join(root, 'src/gen.ts'), 'mine v1\n');
    const r = await syncFiles(root, [gen('src/gen.ts', V2)], CONFIG, { force: true });
    expect(r.exitCode).toBe(EXIT.ok);
    expect(r.entries.find((e) => e.path === 'src/gen.ts')?.resolution).toBe('forced');
    expect(await read(root, 'src/gen.ts')).toBe(V2);
    expect(await read(root, '.mlgen/backup/src/gen.ts')).toBe('mine v1\n');
    // A later forced sync replaces the older backup of the same path.
    await writeFile(join(root, 'src/gen.ts'), 'mine v2\n');
    await syncFiles(root, [gen('src/gen.ts', V2)], CONFIG, { force: true });
    expect(await read(root, '.mlgen/backup/src/gen.ts')).toBe('mine v2\n');
    expect((await syncFiles(root, [gen('src/gen.ts', V2)], CONFIG, { check: true })).exitCode).toBe(EXIT.ok);
  });

  it('keeps backups and the merge-base cache out of git (real git status)', async () => {
    const root = await tempProject();
    execFileSync('git', ['init', '-q'], { cwd: root });
    await syncFiles(root, [gen('gen.ts', V1)], CONFIG);
    await writeFile(join(root, 'gen.ts'), 'mine\n');
    await syncFiles(root, [gen('gen.ts', V2)], CONFIG, { force: true });
    expect(await read(root, '.mlgen/backup/gen.ts')).toBe('mine\n');
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: root, encoding: 'utf8' });
    expect(status.split('\n').filter(Boolean).sort()).toEqual(['?? .mlgen/.gitignore', '?? .mlgen/manifest.json', '?? gen.ts']);
  });

  it('--merge merges a non-overlapping edit cleanly (base from the local cache)', async () => {
    const root = await tempProject();
    await syncFiles(root, [gen('gen.ts', V1)], CONFIG);
    await edited(root, 'return 1;', 'return 100;');
    const r = await syncFiles(root, [gen('gen.ts', V2)], CONFIG, { merge: true });
    expect(r.exitCode).toBe(EXIT.ok);
    expect(r.entries.find((e) => e.path === 'gen.ts')?.resolution).toBe('merged');
    expect(await read(root, 'gen.ts')).toBe(V2.replace('return 1;', 'return 100;'));
    const merged = V2.replace('return 1;', 'return 100;');
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.message])).toEqual([
      [
        'SYNC.MERGED',
        'warning',
        `merged your edit with mlgen's new output (base: the bytes mlgen last wrote, from .mlgen/cache/${sha256(V1)}); recorded in .mlgen/manifest.json as a local change you keep`,
      ],
    ]);
    // The manifest records mlgen's output (the base) and the kept change on top of it...
    const manifest = JSON.parse(await read(root, '.mlgen/manifest.json'));
    expect(manifest.files['gen.ts'].sha256).toBe(sha256(V2));
    expect(manifest.files['gen.ts'].local).toEqual({
      sha256: sha256(merged),
      patch: ['--- a/gen.ts', '+++ b/gen.ts', '@@ -2,7 +2,7 @@', ' import a', ' ', ' function one() {', '-  return 1;', '+  return 100;', ' }', ' ', ' function two() {'],
    });
    // ...so check passes while the file is exactly that, and a plain sync leaves it alone.
    const check = await syncFiles(root, [gen('gen.ts', V2)], CONFIG, { check: true });
    expect(check.exitCode).toBe(EXIT.ok);
    expect(check.entries.find((e) => e.path === 'gen.ts')?.action).toBe('local');
    const again = await syncFiles(root, [gen('gen.ts', V2)], CONFIG);
    expect([again.exitCode, again.written, again.diagnostics]).toEqual([EXIT.ok, [], []]);
  });

  it('--merge writes git-style markers for overlapping edits and exits 2', async () => {
    const root = await tempProject();
    await syncFiles(root, [gen('gen.ts', V1)], CONFIG);
    await edited(root, 'return 2;', 'return 200;');
    const r = await syncFiles(root, [gen('gen.ts', V2)], CONFIG, { merge: true });
    expect(r.exitCode).toBe(EXIT.conflict);
    expect(r.entries.find((e) => e.path === 'gen.ts')?.resolution).toBe('merge-conflict');
    expect(await read(root, 'gen.ts')).toBe(V1.replace('  return 2;', ['<<<<<<< ours (your edit)', '  return 200;', '=======', '  return 22;', '>>>>>>> theirs (mlgen)'].join('\n')));
    expect(r.diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([['SYNC.MERGE_CONFLICT', 'gen.ts', 9]]);
    expect(JSON.parse(await read(root, '.mlgen/manifest.json')).files['gen.ts'].sha256).toBe(sha256(V2));
    expect((await syncFiles(root, [gen('gen.ts', V2)], CONFIG, { check: true })).exitCode).toBe(EXIT.conflict);
  });

  it('--merge takes the base from git when the cache is gone (real repo, real commit)', async () => {
    const root = await tempProject();
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root, encoding: 'utf8' });
    git('init', '-q');
    await syncFiles(root, [gen('gen.ts', V1)], CONFIG);
    git('add', '-A');
    git('commit', '-q', '-m', 'generated');
    // The blob id the manifest records is git's own.
    expect(git('hash-object', 'gen.ts').trim()).toBe(gitBlobId(V1));
    await rm(join(root, '.mlgen/cache'), { recursive: true });
    await edited(root, 'return 1;', 'return 100;');
    const r = await syncFiles(root, [gen('gen.ts', V2)], CONFIG, { merge: true });
    expect(r.entries.find((e) => e.path === 'gen.ts')?.resolution).toBe('merged');
    expect(await read(root, 'gen.ts')).toBe(V2.replace('return 1;', 'return 100;'));
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      `merged your edit with mlgen's new output (base: the bytes mlgen last wrote, from git object ${gitBlobId(V1)}); recorded in .mlgen/manifest.json as a local change you keep`,
    ]);
  });

  it('--merge without any base writes <file>.mlgen-new, keeps the file and the manifest entry, exits 2', async () => {
    const root = await tempProject();
    await syncFiles(root, [gen('gen.ts', V1)], CONFIG);
    const manifestBefore = JSON.parse(await read(root, '.mlgen/manifest.json'));
    await rm(join(root, '.mlgen/cache'), { recursive: true });
    await edited(root, 'return 1;', 'return 100;');
    const mine = await read(root, 'gen.ts');
    const r = await syncFiles(root, [gen('gen.ts', V2)], CONFIG, { merge: true });
    expect(r.exitCode).toBe(EXIT.conflict);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['SYNC.NO_MERGE_BASE']);
    expect(await read(root, 'gen.ts')).toBe(mine);
    expect(await read(root, 'gen.ts.mlgen-new')).toBe(V2);
    expect(JSON.parse(await read(root, '.mlgen/manifest.json')).files['gen.ts']).toEqual(manifestBefore.files['gen.ts']);
    // With --force too, the base-less file is overwritten (and backed up) instead.
    const forced = await syncFiles(root, [gen('gen.ts', V2)], CONFIG, { merge: true, force: true });
    expect(forced.exitCode).toBe(EXIT.ok);
    expect(await read(root, 'gen.ts')).toBe(V2);
    expect(await read(root, '.mlgen/backup/gen.ts')).toBe(mine);
  });
});

describe('a file mlgen never wrote where a generated file goes (collision)', () => {
  it('is refused unless its bytes are identical, then adopted', async () => {
    const root = await tempProject();
    await writeFile(join(root, 'Dockerfile'), 'FROM mine\n');
    await writeFile(join(root, 'same.txt'), 'same\n');
    const before = await snapshotTree(root);
    const r = await syncFiles(root, [gen('Dockerfile', 'FROM node\n'), gen('same.txt', 'same\n')], CONFIG);
    expect(r.exitCode).toBe(EXIT.conflict);
    expect(r.entries.map((e) => [e.path, e.action])).toEqual([
      ['.mlgen/.gitignore', 'create'],
      ['Dockerfile', 'collision'],
      ['same.txt', 'unchanged'],
      ['.mlgen/manifest.json', 'create'],
    ]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['SYNC.COLLISION']);
    expect(r.diagnostics[0]?.fix).not.toContain('--merge');
    expect(await snapshotTree(root)).toEqual(before);
    const forced = await syncFiles(root, [gen('Dockerfile', 'FROM node\n'), gen('same.txt', 'same\n')], CONFIG, { force: true });
    expect(forced.exitCode).toBe(EXIT.ok);
    expect(await readFile(join(root, '.mlgen/backup/Dockerfile'), 'utf8')).toBe('FROM mine\n');
    expect(Object.keys(JSON.parse(await read(root, '.mlgen/manifest.json')).files)).toEqual(['.mlgen/.gitignore', 'Dockerfile', 'same.txt']);
  });
});
