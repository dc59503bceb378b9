/**
 * The exact text of every SYNC diagnostic, as `formatDiagnostic` prints it to users: code, where,
 * what and the fix. Real temp dirs, real files.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiagnosticError, EXIT, formatDiagnostic } from '../../src/diagnostics.js';
import { generatorInfo } from '../../src/sync/manifest.js';
import { syncProject } from '../../src/sync/project.js';
import { syncFiles } from '../../src/sync/sync.js';
import { MINIMAL_YAML } from '../../testkit/fixtures.js';
import { CONFIG, gen, read, scaffold, tempProject } from './helpers.js';

const V1 = ['// header', 'one', 'two', 'three', ''].join('\n');

/** The printed diagnostics of a sync that throws, and its exit code. */
async function thrown(p: Promise<unknown>): Promise<[string[], number]> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DiagnosticError)) throw new Error(`expected a DiagnosticError, got ${String(err)}`);
  return [err.diagnostics.map(formatDiagnostic), err.exitCode];
}

describe('SYNC diagnostics, word for word', () => {
  it('SYNC.COLLISION names the file, says nothing was written and offers --force only', async () => {
    const root = await tempProject();
    await writeFile(join(root, 'gen.txt'), 'mine\n');
    const r = await syncFiles(root, [gen('gen.txt', 'new\n')], CONFIG);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'gen.txt:1:1 error SYNC.COLLISION a file that mlgen did not write is in the way of a generated file; nothing was written\n' +
        '  fix: move the change into a hook (src/hooks) or mlservice.yaml, then run `mlgen sync --force`; or overwrite it with `mlgen sync --force` (your copy goes to .mlgen/backup/gen.txt)',
    ]);
  });

  it('SYNC.NO_MERGE_BASE points at the side file mlgen wrote instead', async () => {
    const root = await tempProject();
    await syncFiles(root, [gen('gen.ts', V1)], CONFIG);
    await rm(join(root, '.mlgen/cache'), { recursive: true });
    await writeFile(join(root, 'gen.ts'), V1.replace('two', 'TWO'));
    const r = await syncFiles(root, [gen('gen.ts', V1.replace('three', '3'))], CONFIG, { merge: true });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      "gen.ts:3:1 error SYNC.NO_MERGE_BASE cannot merge: the version mlgen last wrote is neither in git nor in the local cache; mlgen's new version is in gen.ts.mlgen-new\n" +
        '  fix: merge gen.ts.mlgen-new into gen.ts by hand and delete it, or run `mlgen sync --force`',
    ]);
  });

  it('SYNC.MERGE_CONFLICT points at the first conflict marker', async () => {
    const root = await tempProject();
    await syncFiles(root, [gen('gen.ts', V1)], CONFIG);
    await writeFile(join(root, 'gen.ts'), V1.replace('three', 'mine'));
    const r = await syncFiles(root, [gen('gen.ts', V1.replace('three', 'theirs'))], CONFIG, { merge: true });
    expect(r.exitCode).toBe(EXIT.conflict);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      "gen.ts:4:1 error SYNC.MERGE_CONFLICT 1 conflicting region(s) between your edit and mlgen's new output, marked in the file\n" +
        '  fix: resolve the <<<<<<< / ======= / >>>>>>> regions, then run `mlgen sync --merge` again to record the result as a local change you keep (or move the change into a hook)',
    ]);
    expect((await read(root, 'gen.ts')).split('\n')[3]).toMatch(/^<<<<<<< /);
  });

  it('SYNC.NOT_A_FILE tells a directory from a file in the way of a parent', async () => {
    const root = await tempProject();
    await mkdir(join(root, 'Dockerfile'));
    await writeFile(join(root, 'chart'), 'a file\n');
    expect(await thrown(syncFiles(root, [gen('Dockerfile', 'x\n')], CONFIG))).toEqual([
      ['Dockerfile error SYNC.NOT_A_FILE mlgen writes a file at Dockerfile, but a directory is there\n  fix: move the directory or file out of the way, then sync again'],
      EXIT.conflict,
    ]);
    expect(await thrown(syncFiles(root, [gen('chart/values.yaml', 'x\n')], CONFIG))).toEqual([
      ['chart/values.yaml error SYNC.NOT_A_FILE mlgen writes a file at chart/values.yaml, but one of its parents is a file\n  fix: move the directory or file out of the way, then sync again'],
      EXIT.conflict,
    ]);
  });

  it('SYNC.ORPHAN_EDITED hands the file over to the user', async () => {
    const root = await tempProject();
    await syncFiles(root, [gen('a.txt', 'a\n'), gen('gone.txt', 'g\n')], CONFIG);
    await writeFile(join(root, 'gone.txt'), 'edited\n');
    const r = await syncFiles(root, [gen('a.txt', 'a\n')], CONFIG);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'gone.txt warning SYNC.ORPHAN_EDITED mlgen no longer generates this file, but it was edited by hand, so it is kept and is yours now\n' +
        '  fix: delete it if you do not need it; mlgen will not touch it again',
    ]);
  });

  it('SYNC.MANIFEST_INVALID and SYNC.GENERATOR_VERSION are warnings about the manifest', async () => {
    const root = await tempProject();
    await mkdir(join(root, '.mlgen'));
    await writeFile(join(root, '.mlgen/manifest.json'), '{"manifestVersion": 99}\n');
    const r = await syncFiles(root, [gen('a.txt', 'a\n')], CONFIG);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      '.mlgen/manifest.json warning SYNC.MANIFEST_INVALID cannot read .mlgen/manifest.json (unsupported manifestVersion 99); treating the project as never synced\n' +
        '  fix: never resolve manifest merge conflicts by hand: this sync rebuilds it',
    ]);
    const manifest = JSON.parse(await read(root, '.mlgen/manifest.json'));
    manifest.generator.version = '0.0.1-old';
    await writeFile(join(root, '.mlgen/manifest.json'), JSON.stringify(manifest));
    const again = await syncFiles(root, [gen('a.txt', 'a\n')], CONFIG, { check: true });
    expect(again.diagnostics.map(formatDiagnostic)).toEqual([
      `.mlgen/manifest.json warning SYNC.GENERATOR_VERSION .mlgen/manifest.json was written by generator-mlservice 0.0.1-old; this is generator-mlservice ${generatorInfo().version}\n` +
        '  fix: run `mlgen sync` with this version and commit the result together with the version bump',
    ]);
  });

  it('SYNC.UPDATE_SKIPPED carries the reason the update failed', async () => {
    const root = await tempProject();
    await writeFile(join(root, 'src.ts'), 'broken {\n');
    const f = {
      ...scaffold('src.ts', 'x\n'),
      update: () => {
        throw new Error('cannot parse src.ts');
      },
    };
    const r = await syncFiles(root, [f], CONFIG);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'src.ts warning SYNC.UPDATE_SKIPPED could not bring this file up to date (cannot parse src.ts); left unchanged\n  fix: fix the file (or restore the part mlgen manages), then sync again',
    ]);
  });

  it('SYNC.PACKAGE_JSON_INVALID: a broken package.json is left alone, the rest of the project syncs', async () => {
    const root = await tempProject();
    const broken = '{ "name": "mine",\n';
    await writeFile(join(root, 'mlservice.yaml'), MINIMAL_YAML);
    await writeFile(join(root, 'package.json'), broken);
    let why = '';
    try {
      JSON.parse(broken);
    } catch (e) {
      why = (e as Error).message; // the engine's own wording, so the test holds on every Node version
    }
    const r = await syncProject(root);
    expect(r.diagnostics.filter((d) => d.code.startsWith('SYNC.')).map(formatDiagnostic)).toEqual([
      `package.json warning SYNC.PACKAGE_JSON_INVALID package.json is not valid JSON (${why}); left unchanged\n  fix: repair package.json, then run "mlgen sync" again`,
    ]);
    expect(r.exitCode).toBe(EXIT.ok);
    expect(await read(root, 'package.json')).toBe(broken);
    expect(r.written).toContain('Dockerfile');
  });

  it('SYNC.PATH_INVALID names the emitter and the bad path (internal error)', async () => {
    const root = await tempProject();
    expect(await thrown(syncFiles(root, [gen('../x', 'x\n', 'dockerfile')], CONFIG))).toEqual([
      [
        'emitter dockerfile error SYNC.PATH_INVALID emitter dockerfile names "../x": escapes the project root with ".."\n  fix: paths must be relative to the project root, with no "..", "." or empty segments',
      ],
      EXIT.internal,
    ]);
  });

  it('SYNC.PATH_OUTSIDE_ROOT names where the symlink leads', async () => {
    const root = await tempProject();
    const outside = await mkdtemp(join(tmpdir(), 'mlgen-outside-'));
    try {
      await writeFile(join(outside, 'target.txt'), 'theirs\n');
      await symlink(join(outside, 'target.txt'), join(root, 'link.txt'));
      const real = await realpath(join(outside, 'target.txt'));
      expect(await thrown(syncFiles(root, [gen('link.txt', 'x\n')], CONFIG))).toEqual([
        [
          `link.txt error SYNC.PATH_OUTSIDE_ROOT link.txt resolves to ${real}, outside the project (a symlink on the way?)\n  fix: replace the symlink with a real file or directory; mlgen only writes inside the project`,
        ],
        EXIT.conflict,
      ]);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});
