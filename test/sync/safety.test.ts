import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiagnosticError, EXIT } from '../../src/diagnostics.js';
import { syncFiles } from '../../src/sync/sync.js';
import { CONFIG, gen, hashes, read, snapshotTree, tempProject } from './helpers.js';

async function codeOf(p: Promise<unknown>): Promise<[string, number]> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DiagnosticError) return [err.diagnostics[0]?.code ?? '', err.exitCode];
    throw err;
  }
  throw new Error('expected a DiagnosticError');
}

describe('paths stay inside the project', () => {
  it.each([['../x'], ['a/../../x'], ['/etc/passwd'], ['C:/x'], ['a//b'], ['./a'], ['a\\..\\b'], ['']])('rejects the emitter path %j and writes nothing', async (path) => {
    const root = await tempProject();
    expect(await codeOf(syncFiles(root, [gen('ok.txt', 'ok\n'), gen(path, 'x\n')], CONFIG))).toEqual(['SYNC.PATH_INVALID', EXIT.internal]);
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses to write through a symlink that leads outside the root', async () => {
    const root = await tempProject();
    const outside = await mkdtemp(join(tmpdir(), 'mlgen-outside-'));
    try {
      await symlink(outside, join(root, 'out'));
      await writeFile(join(outside, 'target.txt'), 'theirs\n');
      await symlink(join(outside, 'target.txt'), join(root, 'link.txt'));
      for (const path of ['out/a.txt', 'out/new/deep.txt', 'link.txt']) {
        expect(await codeOf(syncFiles(root, [gen(path, 'x\n')], CONFIG))).toEqual(['SYNC.PATH_OUTSIDE_ROOT', EXIT.conflict]);
      }
      expect(await readdir(outside)).toEqual(['target.txt']);
      expect(await read(outside, 'target.txt')).toBe('theirs\n');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('allows a symlink that stays inside the root', async () => {
    const root = await tempProject();
    await mkdir(join(root, 'real'));
    await symlink(join(root, 'real'), join(root, 'alias'));
    const r = await syncFiles(root, [gen('alias/a.txt', 'a\n')], CONFIG);
    expect(r.exitCode).toBe(EXIT.ok);
    expect(await read(root, 'real/a.txt')).toBe('a\n');
  });

  it('ignores a tampered manifest that names a path outside the root (and deletes nothing)', async () => {
    const root = await tempProject();
    const outside = await mkdtemp(join(tmpdir(), 'mlgen-outside-'));
    try {
      await writeFile(join(outside, 'victim.txt'), 'v\n');
      await syncFiles(root, [gen('a.txt', 'a\n')], CONFIG);
      const manifest = JSON.parse(await read(root, '.mlgen/manifest.json'));
      const rel = `../${outside.split('/').pop()}/victim.txt`;
      manifest.files[rel] = { ...manifest.files['a.txt'], sha256: (await snapshotTree(outside))['victim.txt']?.sha256 };
      await writeFile(join(root, '.mlgen/manifest.json'), JSON.stringify(manifest));
      const r = await syncFiles(root, [gen('a.txt', 'a\n')], CONFIG);
      expect(r.diagnostics.map((d) => d.code)).toEqual(['SYNC.MANIFEST_INVALID']);
      expect(r.deleted).toEqual([]);
      expect(await read(outside, 'victim.txt')).toBe('v\n');
      // The manifest is rebuilt rather than hand-repaired.
      expect((await syncFiles(root, [gen('a.txt', 'a\n')], CONFIG, { check: true })).exitCode).toBe(EXIT.ok);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('odd disk states are refused before anything is written', () => {
  it('a directory (or a file as parent) where a generated file goes: SYNC.NOT_A_FILE, exit 2', async () => {
    const root = await tempProject();
    await mkdir(join(root, 'Dockerfile'));
    await writeFile(join(root, 'chart'), 'a file\n');
    for (const path of ['Dockerfile', 'chart/values.yaml']) {
      expect(await codeOf(syncFiles(root, [gen('ok.txt', 'ok\n'), gen(path, 'x\n')], CONFIG))).toEqual(['SYNC.NOT_A_FILE', EXIT.conflict]);
    }
    expect((await readdir(root)).sort()).toEqual(['Dockerfile', 'chart']);
  });

  it('two files with one path is an internal error', async () => {
    const root = await tempProject();
    await expect(syncFiles(root, [gen('a.txt', '1\n'), gen('a.txt', '2\n')], CONFIG)).rejects.toThrow('a.txt is emitted twice');
    await expect(syncFiles(root, [gen('.mlgen/manifest.json', '{}\n')], CONFIG)).rejects.toThrow('collides with the manifest');
    expect(await readdir(root)).toEqual([]);
  });
});

describe('an interrupted apply', () => {
  const oldFiles = [gen('a.txt', 'a1\n'), gen('b/b.txt', 'b1\n'), gen('c.txt', 'c1\n'), gen('stale/s.txt', 's\n')];
  const newFiles = [gen('a.txt', 'a2\n'), gen('b/b.txt', 'b2\n'), gen('c.txt', 'c2\n'), gen('d/new.txt', 'd\n')];

  it.each([1, 2, 3, 4, 5, 6])('crashing before write #%i leaves each file old or new; the next sync repairs it', async (n) => {
    const reference = await tempProject();
    await syncFiles(reference, oldFiles, CONFIG);
    await syncFiles(reference, newFiles, CONFIG);
    const wanted = hashes(await snapshotTree(reference));

    const root = await tempProject();
    await syncFiles(root, oldFiles, CONFIG);
    const old = hashes(await snapshotTree(root));
    const crash = (_: string, count: number) => {
      if (count === n) throw new Error('simulated crash');
    };
    await expect(syncFiles(root, newFiles, CONFIG, { beforeWrite: crash })).rejects.toThrow('simulated crash');
    const mid = hashes(await snapshotTree(root));
    for (const [path, hash] of Object.entries(mid)) {
      if (path.startsWith('.mlgen/cache/')) continue;
      expect([old[path], wanted[path]], path).toContain(hash);
    }
    expect(mid['.mlgen/manifest.json']).toBe(old['.mlgen/manifest.json']);

    const repair = await syncFiles(root, newFiles, CONFIG);
    expect(repair.exitCode).toBe(EXIT.ok);
    expect(hashes(await snapshotTree(root))).toEqual(wanted);
  });
});

describe('temp files of a sync killed mid-write (write-file-atomic writes `<file>.<uint32>`, then renames)', () => {
  it('the next sync removes those beside the files it manages, and nothing else; a refused sync leaves them', async () => {
    const root = await tempProject();
    await syncFiles(root, [gen('a.txt', 'a1\n'), gen('b/b.txt', 'b1\n')], CONFIG);
    const cacheEntry = (await readdir(join(root, '.mlgen/cache')))[0]!;
    const leftovers = ['a.txt.3261147906', 'b/b.txt.42', 'b/b.txt.mlgen-new.7', `.mlgen/cache/${cacheEntry}.1598412145`, '.mlgen/manifest.json.9'];
    // Names that only look alike: not beside a managed file, not all digits, or too long for a uint32.
    const kept = ['notes.txt.1', 'a.txt.bak', 'a.txt.1.2', 'b/b.txt.12345678901', 'b/c.txt.5'];
    for (const p of [...leftovers, ...kept]) await writeFile(join(root, p), 'partial');

    const refused = await syncFiles(root, [gen('a.txt', 'a2\n'), gen('../x', 'x\n')], CONFIG).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DiagnosticError);
    for (const p of leftovers) expect(await read(root, p)).toBe('partial');

    const r = await syncFiles(root, [gen('a.txt', 'a2\n'), gen('b/b.txt', 'b1\n')], CONFIG);
    expect(r.exitCode).toBe(EXIT.ok);
    const tree = Object.keys(await snapshotTree(root)).filter((p) => !p.startsWith('.mlgen/cache/'));
    expect(tree.sort()).toEqual(['.mlgen/.gitignore', '.mlgen/manifest.json', 'a.txt', 'b/b.txt', ...kept].sort());
    expect((await readdir(join(root, '.mlgen/cache'))).filter((n) => n.includes('.'))).toEqual([]);
  });
});
