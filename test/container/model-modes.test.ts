/**
 * The Dockerfile COPYs `models/` with the modes it has on disk, and the image runs as user 10001,
 * not as the owner. So `mlgen models pull` must leave model folders with the mode any folder gets
 * (umask-based), never the 0700 of a temp dir: that made a pulled registry model unreadable inside
 * the image (EACCES at startup). Runs without podman.
 */
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { pullModels } from '../../src/models/index.js';
import { tempDir, withModels, writeModelDir } from '../models/helpers.js';

let root: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  root = await tempDir('pull-modes');
});
afterAll(() => root.cleanup());

test('pulled model folders, nested ones included, get the same mode as a folder made by mkdir', async () => {
  // An MLflow model folder outside models/: the pull stages it, then renames it into place.
  await writeModelDir(join(root.path, 'external/model'), 3, '9f8e7d6c5b4a39281706f5e4d3c2b1a0');
  await pullModels(root.path, withModels({ scorer: 'external/model' }));
  await mkdir(join(root.path, 'reference'));
  const want = (await stat(join(root.path, 'reference'))).mode & 0o777;

  const dirs = [
    'scorer',
    ...(await readdir(join(root.path, 'models/scorer'), { recursive: true, withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => join(e.parentPath, e.name).slice(join(root.path, 'models').length + 1)),
  ];
  const modes = await Promise.all(dirs.map(async (d) => [d, ((await stat(join(root.path, 'models', d))).mode & 0o777).toString(8)]));
  expect(dirs).toContain(join('scorer', 'code', 'helpers'));
  expect(modes).toEqual(dirs.map((d) => [d, want.toString(8)]));
});
