/**
 * Runs the BUILT CLI (`bin/mlgen.js` -> dist/) as users do: a child process in a project directory.
 * `npm test` builds first, so these tests exercise exactly what `npm publish` would ship.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './temp.js';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const MLGEN = path.join(REPO, 'bin/mlgen.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function mlgen(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [MLGEN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env },
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function tempProject(prefix = 'mlgen-cli-'): string {
  return tempDir(prefix);
}

/** path -> sha256 of every file under `dir` (sorted), to prove a command wrote nothing. */
export function treeHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[path.relative(dir, full)] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** path -> mtimeMs of every file under `dir`, to prove unchanged files were not rewritten. */
export function treeMtimes(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = st.mtimeMs;
    }
  };
  walk(dir);
  return out;
}
