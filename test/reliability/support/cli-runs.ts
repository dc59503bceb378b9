/**
 * The built CLI (`bin/mlgen.js`) as a child process that the test can also kill, and copies of the
 * committed examples as projects to run it in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MLGEN, REPO } from '../../support/cli.js';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  ms: number;
}

/** Runs `mlgen args` in `cwd`; `started` gets the child process (to kill it). */
export function runCli(cwd: string, args: string[], started?: (child: ChildProcess) => void): Promise<CliRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [MLGEN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  started?.(child);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 }));
  });
}

/** What a checkout of an example holds that git does not: installed packages, mlgen's local cache and backups. */
const LOCAL_ONLY = /\/(node_modules|\.mlgen\/cache|\.mlgen\/backup)(\/|$)/;

/** A copy of `examples/<name>` (the committed, synced project) as a fresh clone has it, in a new temp directory. */
export async function copyExample(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `mlgen-rel-${name}-`));
  await cp(join(REPO, 'examples', name), dir, { recursive: true, filter: (src) => !LOCAL_ONLY.test(src) });
  return dir;
}

/** Runs `task` over `items`, `concurrency` at a time, in order of start. */
export async function inParallel<T>(items: T[], concurrency: number, task: (item: T, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next < items.length) await task(items[next++]!, worker);
    }),
  );
}
