/**
 * The TypeScript outputs through the real orchestration (`syncProject`, every emitter, the
 * manifest, the one writer): a fresh project compiles; a second sync writes nothing; a new
 * endpoint in mlservice.yaml gets a stub in the user's hooks file and nothing else there changes.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { syncProject } from '../../src/sync/index.js';
import type { SyncResult } from '../../src/sync/types.js';
import { MINIMAL_YAML } from '../../testkit/fixtures.js';
import { REPO, buildRuntime, tsc } from '../../testkit/service-project.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A new project of its own per test: synced once from MINIMAL_YAML, its dependencies linked. */
async function syncedProject(): Promise<{ dir: string; first: SyncResult }> {
  const dir = await mkdtemp(join(tmpdir(), 'mlgen-sync-service-'));
  dirs.push(dir);
  await writeFile(join(dir, 'mlservice.yaml'), MINIMAL_YAML);
  const first = await syncProject(dir);
  await link(dir);
  return { dir, first };
}

async function link(dir: string): Promise<void> {
  const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
  const runtime = await buildRuntime();
  for (const name of [...Object.keys(pkg.dependencies!), ...Object.keys(pkg.devDependencies!)]) {
    const at = join(dir, 'node_modules', name);
    await mkdir(dirname(at), { recursive: true });
    await symlink(name === '@mlservice/runtime' ? runtime : join(REPO, 'node_modules', name), at, 'dir');
  }
}

const ADDED_ENDPOINT = `  - name: explain
    model: scorer
    input:
      type: object
      required: [features]
      properties:
        features: {type: array, items: {type: number}, maxItems: 4}
    output:
      type: object
      required: [score]
      properties:
        score: {type: number}
`;

test('a synced project compiles, and syncing again writes nothing', async () => {
  const { dir, first } = await syncedProject();
  expect(first.exitCode).toBe(0);
  expect(first.written).toContain('src/hooks.ts');
  expect(await tsc(dir)).toEqual({ code: 0, output: '' });
  const second = await syncProject(dir);
  expect(second.written).toEqual([]);
});

test('a new endpoint: a stub is inserted into the hooks file, the rest byte-identical, and it compiles', async () => {
  const { dir } = await syncedProject();
  const before = await readFile(join(dir, 'src/hooks.ts'), 'utf8');
  const yaml = MINIMAL_YAML.replace('deploy:\n', `${ADDED_ENDPOINT}deploy:\n`);
  await writeFile(join(dir, 'mlservice.yaml'), yaml);
  const result = await syncProject(dir);
  expect(result.exitCode).toBe(0);
  const after = await readFile(join(dir, 'src/hooks.ts'), 'utf8');
  const at = before.indexOf('} satisfies Hooks;');
  const inserted = after.slice(at, after.length - (before.length - at));
  expect(after).toBe(before.slice(0, at) + inserted + before.slice(at));
  expect(inserted.startsWith('  explain: {\n')).toBe(true);
  expect(await tsc(dir)).toEqual({ code: 0, output: '' });
});
