/**
 * `mlgen sync` killed with SIGKILL at random moments (a real child process: no exit handler runs,
 * nothing is flushed). The project is a copy of examples/recommender whose service was renamed,
 * so the sync writes, moves and deletes dozens of files (the chart directory among them).
 * Half the kills land at a uniform random time within a whole sync's duration, half at a random
 * one of the filesystem events (inotify, via fs.watch on every directory: support/tree-watch.ts) a whole sync makes, so that they land
 * inside the short write phase too. After each kill every file must be wholly its old or its new
 * version (no torn file, no stray name; merge-base cache entries must match their hash; the only
 * other files allowed are write-file-atomic's temp files `<file>.<digits>`, which a killed process
 * cannot remove), and the next sync must repair the project to exactly what an uninterrupted sync
 * makes, temp files gone, without touching src/hooks.ts or mlservice.yaml.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { treeHashes } from '../support/cli.js';
import { seededRandom } from '../../testkit/onnx-builder.js';
import { copyExample, runCli, type CliRun } from './support/cli-runs.js';
import { report, SCALE } from './support/mode.js';
import { watchTree } from './support/tree-watch.js';

const SEED = Number(process.env.MLGEN_RELIABILITY_SEED ?? 11);
const CACHE = '.mlgen/cache/';
const KEPT = ['mlservice.yaml', 'src/hooks.ts'];

/** The edit whose sync is interrupted: a renamed service (new chart directory) with a new version. */
async function renameService(dir: string): Promise<void> {
  const file = join(dir, 'mlservice.yaml');
  const text = await readFile(file, 'utf8');
  const edited = text.replace(/^ {2}name: activity-ranker$/m, '  name: activity-ranker-next').replace(/^ {2}version: 1\.0\.0$/m, '  version: 1.1.0');
  if (edited === text) throw new Error('examples/recommender/mlservice.yaml changed: update the edit');
  await writeFile(file, edited);
}

const split = (tree: Record<string, string>) => ({
  files: Object.fromEntries(Object.entries(tree).filter(([p]) => !p.startsWith(CACHE))),
  cache: Object.entries(tree).filter(([p]) => p.startsWith(CACHE)),
});

/** Cache entries are content-addressed: a name that is not the sha256 of its bytes is a partial or stray file. */
async function badCacheEntries(dir: string, cache: Array<[string, string]>): Promise<string[]> {
  const bad: string[] = [];
  for (const [path] of cache) {
    const name = path.slice(CACHE.length);
    const sha = createHash('sha256')
      .update(await readFile(join(dir, path)))
      .digest('hex');
    if (name !== sha) bad.push(path);
  }
  return bad;
}

type Landing = 'before-writes' | 'mid-write' | 'after-commit';

describe(`${SCALE.kills} syncs killed with SIGKILL at random moments (built CLI, child processes)`, () => {
  let old: Record<string, string>;
  let wanted: Record<string, string>;
  let fullMs: number;
  let fullEvents: number;
  const dirs: string[] = [];

  beforeAll(async () => {
    const reference = await copyExample('recommender');
    dirs.push(reference);
    old = split(treeHashes(reference)).files;
    await renameService(reference);
    const edited = treeHashes(reference);
    let events = 0;
    const watcher = watchTree(reference, () => events++);
    const run = await runCli(reference, ['sync']);
    watcher.close();
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    wanted = split(treeHashes(reference)).files;
    for (const p of KEPT) expect(wanted[p], p).toBe(edited[p]);
    expect(Object.keys(wanted).some((p) => p.startsWith('chart/activity-ranker-next/'))).toBe(true);
    fullMs = run.ms;
    fullEvents = events;
  });

  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('every kill leaves each file wholly old or new, and the next sync repairs the project without touching hooks or config', async () => {
    const rnd = seededRandom(SEED);
    const problems: string[] = [];
    const landings: Record<Landing, number> = { 'before-writes': 0, 'mid-write': 0, 'after-commit': 0 };
    let exitedFirst = 0;
    let tempsLeft = 0;
    const isTempOfTarget = (path: string) => {
      const m = /^(.+)\.\d{1,10}$/.exec(path);
      return m !== null && (m[1]! in old || m[1]! in wanted);
    };
    for (let k = 0; k < SCALE.kills; k++) {
      const dir = await copyExample('recommender');
      await renameService(dir);
      const edited = treeHashes(dir);
      const byEvent = k % 2 === 1;
      const at = byEvent ? 1 + Math.floor(rnd() * fullEvents) : rnd() * fullMs;
      let events = 0;
      let child: ChildProcess | undefined;
      const kill = () => child?.kill('SIGKILL');
      const watcher = watchTree(dir, () => {
        if (byEvent && ++events === at) kill();
      });
      const timer = byEvent ? undefined : setTimeout(kill, at);
      const run: CliRun = await runCli(dir, ['sync'], (c) => (child = c));
      clearTimeout(timer);
      watcher.close();
      const label = `kill #${k} (${byEvent ? `at fs event ${at}/${fullEvents}` : `at ${Math.round(at)}/${Math.round(fullMs)} ms`})`;
      if (run.signal !== 'SIGKILL') {
        exitedFirst++;
        if (run.code !== 0) problems.push(`${label}: sync exited ${run.code} before the kill: ${run.stderr}`);
      }

      const mid = split(treeHashes(dir));
      for (const [path, hash] of Object.entries(mid.files)) {
        if (path in old || path in wanted) {
          if (hash !== old[path] && hash !== wanted[path]) problems.push(`${label}: ${path} is neither its old nor its new version`);
        } else if (isTempOfTarget(path))
          tempsLeft++; // the killed process could not remove it; the repair must
        else problems.push(`${label}: stray file ${path}`);
      }
      const cacheTemps = mid.cache.filter(([p]) => /^[0-9a-f]{64}\.\d{1,10}$/.test(p.slice(CACHE.length)));
      tempsLeft += cacheTemps.length;
      const midCache = mid.cache.filter((e) => !cacheTemps.includes(e));
      for (const p of await badCacheEntries(dir, midCache)) problems.push(`${label}: ${p} is not a whole cache entry`);
      for (const p of KEPT) if (mid.files[p] !== edited[p]) problems.push(`${label}: ${p} was changed`);
      const changed = Object.keys(wanted).filter((p) => !KEPT.includes(p) && mid.files[p] === wanted[p] && old[p] !== wanted[p]).length;
      const landing: Landing = changed === 0 ? 'before-writes' : mid.files['.mlgen/manifest.json'] === wanted['.mlgen/manifest.json'] ? 'after-commit' : 'mid-write';
      landings[landing]++;

      const repair = await runCli(dir, ['sync']);
      if (repair.code !== 0) problems.push(`${label}: the next sync exited ${repair.code}: ${repair.stderr}`);
      const repaired = split(treeHashes(dir));
      if (JSON.stringify(repaired.files) !== JSON.stringify(wanted)) {
        const diff = [...new Set([...Object.keys(wanted), ...Object.keys(repaired.files)])].filter((p) => wanted[p] !== repaired.files[p]);
        problems.push(`${label} (${landing}): the next sync left ${diff.join(', ')} different from an uninterrupted sync`);
      }
      for (const p of await badCacheEntries(dir, repaired.cache)) problems.push(`${label}: after the repair ${p} is not a whole cache entry`);
      await rm(dir, { recursive: true, force: true });
    }
    report('sync-kills', {
      seed: SEED,
      kills: SCALE.kills,
      fullSyncMs: Math.round(fullMs),
      fullSyncFsEvents: fullEvents,
      landings,
      exitedBeforeKill: exitedFirst,
      tempFilesLeftByKills: tempsLeft,
      problems: problems.length,
    });
    expect(problems).toEqual([]);
    // The kills hit what they are for: some landed between the first write and the commit.
    expect(landings['mid-write']).toBeGreaterThan(0);
    expect(await readdir(join(dirs[0]!, 'chart'))).toEqual(['activity-ranker-next']);
  });
});
