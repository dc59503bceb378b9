/**
 * The life of a local change kept in a generated file, through the engine with real files:
 * `--merge` records it, `check` passes while the file is exactly that, later syncs re-apply it by
 * three-way merge (a real conflict refuses and writes nothing), a fresh clone rebuilds the base
 * from the recorded patch, and removing the edit returns the file to plain generated.
 */
import { execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, formatDiagnostic } from '../../src/diagnostics.js';
import { unifiedDiff } from '../../src/sync/diff.js';
import { sha256 } from '../../src/sync/hash.js';
import { baseFromRecord, localRecord, patchStats } from '../../src/sync/local-change.js';
import { syncFiles } from '../../src/sync/sync.js';
import { seededRandom } from '../../testkit/onnx-builder.js';
import { CONFIG, gen, read, snapshotTree, tempProject } from './helpers.js';

const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} line ${i + 1}`);
/** Three regions far apart: mlgen changes A or C; the user changes B. */
const V1 = [...lines(6, 'A'), ...lines(6, 'B'), ...lines(6, 'C'), ''].join('\n');
const V2 = V1.replace('A line 2', 'A line 2 (v2)');
const V3 = V2.replace('C line 5', 'C line 5 (v3)');
const MINE = (text: string) => text.replace('B line 3', 'B line 3 (mine)');

async function mergedProject(): Promise<string> {
  const root = await tempProject();
  await syncFiles(root, [gen('gen.ts', V1)], CONFIG);
  await writeFile(join(root, 'gen.ts'), MINE(V1));
  const r = await syncFiles(root, [gen('gen.ts', V2)], CONFIG, { merge: true });
  expect([r.exitCode, r.entries.find((e) => e.path === 'gen.ts')?.resolution]).toEqual([EXIT.ok, 'merged']);
  expect(await read(root, 'gen.ts')).toBe(MINE(V2));
  return root;
}

const manifestEntry = async (root: string) => JSON.parse(await read(root, '.mlgen/manifest.json')).files['gen.ts'];

describe('a local change kept with --merge', () => {
  it('is recorded as mlgen output + patch, and check passes while the file is exactly that', async () => {
    const root = await mergedProject();
    expect(await manifestEntry(root)).toMatchObject({ sha256: sha256(V2), local: { sha256: sha256(MINE(V2)) } });
    expect((await syncFiles(root, [gen('gen.ts', V2)], CONFIG, { check: true })).exitCode).toBe(EXIT.ok);
    // Any further edit is a hand edit again.
    await writeFile(join(root, 'gen.ts'), MINE(V2).replace('B line 5', 'B line 5 (more)'));
    const check = await syncFiles(root, [gen('gen.ts', V2)], CONFIG, { check: true });
    expect([check.exitCode, check.entries.find((e) => e.path === 'gen.ts')?.action]).toEqual([EXIT.conflict, 'conflict']);
  });

  it('is re-applied onto a new output by a plain sync (drift for check first), then check passes', async () => {
    const root = await mergedProject();
    const check = await syncFiles(root, [gen('gen.ts', V3)], CONFIG, { check: true });
    expect(check.exitCode).toBe(EXIT.drift);
    const r = await syncFiles(root, [gen('gen.ts', V3)], CONFIG);
    expect(r.exitCode).toBe(EXIT.ok);
    expect(r.entries.find((e) => e.path === 'gen.ts')).toMatchObject({ action: 'update', resolution: 'reapplied' });
    expect(await read(root, 'gen.ts')).toBe(MINE(V3));
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      `gen.ts:9:1 warning SYNC.LOCAL_REAPPLIED re-applied your kept local change onto mlgen's new output (three-way merge, base from .mlgen/cache/${sha256(V2)})\n` +
        '  fix: review the result with `mlgen sync --diff` and `mlgen diff`; to drop the change, delete gen.ts and run `mlgen sync`',
    ]);
    expect(await manifestEntry(root)).toMatchObject({ sha256: sha256(V3), local: { sha256: sha256(MINE(V3)) } });
    expect((await syncFiles(root, [gen('gen.ts', V3)], CONFIG, { check: true })).exitCode).toBe(EXIT.ok);
  });

  it('in a fresh clone (no cache, output never committed) the base is rebuilt from the recorded patch', async () => {
    const root = await mergedProject();
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root, encoding: 'utf8' });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'kept change');
    await rm(join(root, '.mlgen/cache'), { recursive: true });
    // git never held mlgen's pure V2 output: only the merged file was committed.
    expect(() => git('cat-file', '-e', (JSON.parse(git('show', 'HEAD:.mlgen/manifest.json')) as any).files['gen.ts'].gitBlob)).toThrow();
    const r = await syncFiles(root, [gen('gen.ts', V3)], CONFIG);
    expect(r.exitCode).toBe(EXIT.ok);
    expect(await read(root, 'gen.ts')).toBe(MINE(V3));
    expect(r.diagnostics.map((d) => d.message)).toEqual(["re-applied your kept local change onto mlgen's new output (three-way merge, base from the local change recorded in .mlgen/manifest.json)"]);
  });

  it('a real conflict with the new output refuses: exit 2, SYNC.LOCAL_CONFLICT, nothing written', async () => {
    const root = await mergedProject();
    const clash = V2.replace('B line 3', 'B line 3 (mlgen)');
    const before = await snapshotTree(root);
    const r = await syncFiles(root, [gen('gen.ts', clash)], CONFIG);
    expect([r.exitCode, r.refused, r.written]).toEqual([EXIT.conflict, true, []]);
    expect(await snapshotTree(root)).toEqual(before);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      "gen.ts:9:1 error SYNC.LOCAL_CONFLICT your kept local change and mlgen's new output change the same lines; nothing was written\n" +
        '  fix: `mlgen sync --merge` writes the file with conflict markers: resolve them, then run `mlgen sync --merge` again to record the result; ' +
        'or `mlgen sync --force` drops your change (your copy goes to .mlgen/backup/gen.ts)',
    ]);
    expect((await syncFiles(root, [gen('gen.ts', clash)], CONFIG, { check: true })).exitCode).toBe(EXIT.conflict);
    // --merge writes markers; resolving them and merging again records the result.
    const marked = await syncFiles(root, [gen('gen.ts', clash)], CONFIG, { merge: true });
    expect(marked.entries.find((e) => e.path === 'gen.ts')?.resolution).toBe('merge-conflict');
    expect(await read(root, 'gen.ts')).toContain('<<<<<<< ours (your edit)\nB line 3 (mine)\n=======\nB line 3 (mlgen)\n>>>>>>> theirs (mlgen)\n');
    const resolved = clash.replace('B line 3 (mlgen)', 'B line 3 (both)');
    await writeFile(join(root, 'gen.ts'), resolved);
    expect((await syncFiles(root, [gen('gen.ts', clash)], CONFIG, { merge: true })).exitCode).toBe(EXIT.ok);
    expect(await manifestEntry(root)).toMatchObject({ sha256: sha256(clash), local: { sha256: sha256(resolved) } });
    expect((await syncFiles(root, [gen('gen.ts', clash)], CONFIG, { check: true })).exitCode).toBe(EXIT.ok);
  });

  it('removing the edit by hand makes the file plain generated again (after one sync records it)', async () => {
    const root = await mergedProject();
    await writeFile(join(root, 'gen.ts'), V2);
    expect((await syncFiles(root, [gen('gen.ts', V2)], CONFIG, { check: true })).exitCode).toBe(EXIT.drift);
    const r = await syncFiles(root, [gen('gen.ts', V2)], CONFIG);
    expect([r.exitCode, r.written]).toEqual([EXIT.ok, ['.mlgen/manifest.json']]);
    expect((await manifestEntry(root)).local).toBeUndefined();
    expect((await syncFiles(root, [gen('gen.ts', V2)], CONFIG, { check: true })).exitCode).toBe(EXIT.ok);
    // Plain generated: the next output is a plain update, even where the old edit was.
    const next = V2.replace('B line 3', 'B line 3 (mlgen)');
    const u = await syncFiles(root, [gen('gen.ts', next)], CONFIG);
    expect([u.exitCode, u.entries.find((e) => e.path === 'gen.ts')?.action, u.diagnostics]).toEqual([EXIT.ok, 'update', []]);
    expect(await read(root, 'gen.ts')).toBe(next);
  });

  it('deleting the file drops the change: the next sync writes plain output', async () => {
    const root = await mergedProject();
    await rm(join(root, 'gen.ts'));
    await syncFiles(root, [gen('gen.ts', V2)], CONFIG);
    expect(await read(root, 'gen.ts')).toBe(V2);
    expect((await manifestEntry(root)).local).toBeUndefined();
  });

  it('--force drops a conflicting kept change and keeps a backup', async () => {
    const root = await mergedProject();
    const clash = V2.replace('B line 3', 'B line 3 (mlgen)');
    const r = await syncFiles(root, [gen('gen.ts', clash)], CONFIG, { force: true });
    expect(r.exitCode).toBe(EXIT.ok);
    expect(await read(root, 'gen.ts')).toBe(clash);
    expect(await read(root, '.mlgen/backup/gen.ts')).toBe(MINE(V2));
    expect((await manifestEntry(root)).local).toBeUndefined();
  });
});

describe('the recorded patch', () => {
  it('is a unified diff from mlgen output to the file, with line counts', () => {
    const rec = localRecord('gen.ts', V2, MINE(V2))!;
    expect(rec.patch.join('\n') + '\n').toBe(unifiedDiff('gen.ts', V2, MINE(V2)));
    expect(patchStats(rec.patch)).toEqual({ added: 1, removed: 1 });
    expect(patchStats(['--- a/x', '+++ b/x', '@@ -1 +1 @@', '--- was a comment', '+++ now a comment'])).toEqual({ added: 1, removed: 1 });
    expect(localRecord('gen.ts', V2, V2)).toBeUndefined();
  });

  it('gives back exactly the base from exactly the recorded bytes (200 random edits, odd line ends)', () => {
    const rand = seededRandom(42);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const words = ['x', '', '  indent', '--- dashes', '+++ plus', '@@ at @@', '\\ backslash', '\t', 'ü'];
    for (let n = 0; n < 200; n += 1) {
      const base = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => pick(words)).join('\n') + pick(['\n', '', '\n\n']);
      const ours = base
        .split('\n')
        .flatMap((l) => (rand() < 0.2 ? [] : rand() < 0.2 ? [l, pick(words)] : [rand() < 0.2 ? `${l}!` : l]))
        .join('\n');
      const rec = localRecord('f', base, ours);
      if (!rec) continue;
      const prev = { owner: 'generated' as const, emitter: 't', inputs: [], sha256: sha256(base), local: rec };
      expect(baseFromRecord(ours, prev), JSON.stringify({ base, ours })).toBe(base);
      // Never from other bytes.
      expect(baseFromRecord(`${ours}?`, prev)).toBeUndefined();
    }
  });
});
