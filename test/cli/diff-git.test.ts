/**
 * `mlgen diff` over the states a repository is really found in, with real git and the built CLI.
 * When git cannot read the base, the answer is a REVIEW code, a fix and exit 66, never a summary
 * that calls an existing service "New service"; the two honest "nothing before" states (the base
 * lacks the config, nothing committed yet) still summarize everything as new.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlgen } from '../support/cli.js';

let template: string;
const dirs: string[] = [];

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd: dir, encoding: 'utf8' });
}

/** A fresh copy of one generated project, in its own parent so no outer repository is found. */
function copy(): string {
  const parent = mkdtempSync(path.join(tmpdir(), 'mlgen-diffgit-'));
  dirs.push(parent);
  const dir = path.join(parent, 'svc');
  cpSync(template, dir, { recursive: true });
  return dir;
}

function committed(): string {
  const dir = copy();
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'service');
  return dir;
}

function changeBatching(dir: string): void {
  const file = path.join(dir, 'mlservice.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('maxBatchSize: 32', 'maxBatchSize: 64'));
}

/** The CLI with git confined to the project's parent (a tmpdir inside some repo cannot leak in). */
function diff(dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  return mlgen(dir, ['diff', ...args], { GIT_CEILING_DIRECTORIES: path.dirname(dir), ...env });
}

function error(code: string, message: string, fix: string): string {
  return `mlservice.yaml error ${code} ${message}\n  fix: ${fix}\n1 error\n`;
}

beforeAll(() => {
  template = mkdtempSync(path.join(tmpdir(), 'mlgen-diffgit-template-'));
  const r = mlgen(template, ['init', '--name', 'demo-svc', '--model', 'models:/demo/1']);
  expect(r.code).toBe(0);
});
afterAll(() => {
  for (const d of [template, ...dirs]) rmSync(d, { recursive: true, force: true });
});

const BASE_FIX = (ref: string) => `fetch it (git fetch origin ${ref}) or pass an existing revision with --base; a GitHub Actions checkout needs fetch-depth: 0`;

describe('mlgen diff when git cannot read the base (real git, built CLI)', () => {
  it('no repository: REVIEW.NOT_A_REPOSITORY, exit 66', () => {
    const dir = copy();
    expect(diff(dir)).toEqual({
      code: 66,
      stdout: '',
      stderr: error(
        'REVIEW.NOT_A_REPOSITORY',
        `cannot compare with a git revision: ${dir} is not in a git repository`,
        'run it in a git checkout of the service (git init, then commit mlservice.yaml); `mlgen sync --dry-run --diff` shows what the config generates without history',
      ),
    });
  });

  it.skipIf(process.getuid?.() !== 0)('a repository owned by another user ("dubious ownership"): REVIEW.UNSAFE_REPOSITORY names safe.directory, exit 66', () => {
    const dir = committed();
    const chownAll = (p: string): void => {
      chownSync(p, 65534, 65534);
      for (const e of readdirSync(p, { withFileTypes: true }))
        if (e.isDirectory()) chownAll(path.join(p, e.name));
        else chownSync(path.join(p, e.name), 65534, 65534);
    };
    chownAll(dir);
    // The user running mlgen (root here) has no safe.directory entry: an empty global config.
    const home = mkdtempSync(path.join(tmpdir(), 'mlgen-home-'));
    dirs.push(home);
    expect(diff(dir, [], { HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1' })).toEqual({
      code: 66,
      stdout: '',
      stderr: error(
        'REVIEW.UNSAFE_REPOSITORY',
        `git refuses to read ${dir}: it is owned by another user (git: "detected dubious ownership")`,
        `if you trust it, allow it once: git config --global --add safe.directory ${dir}; in a CI container, run the job as the user that checked it out`,
      ),
    });
  });

  it('a base that does not exist: REVIEW.BASE_NOT_FOUND, exit 66', () => {
    const dir = committed();
    expect(diff(dir, ['--base', 'origin/main'])).toEqual({
      code: 66,
      stdout: '',
      stderr: error('REVIEW.BASE_NOT_FOUND', 'git revision "origin/main" is not in this clone', BASE_FIX('origin/main')),
    });
  });

  it('a shallow clone that did not fetch the base: says so, exit 66', () => {
    const origin = committed();
    changeBatching(origin);
    git(origin, 'commit', '-qam', 'batching');
    const dir = path.join(path.dirname(origin), 'shallow');
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${origin}`, dir]);
    expect(diff(dir, ['--base', 'HEAD~1'])).toEqual({
      code: 66,
      stdout: '',
      stderr: error('REVIEW.BASE_NOT_FOUND', 'git revision "HEAD~1" is not in this shallow clone (only the latest commits were fetched)', BASE_FIX('HEAD~1')),
    });
  });

  it('a base that looks like an option is never passed to git', () => {
    const dir = committed();
    const target = path.join(path.dirname(dir), 'written-by-git');
    const r = diff(dir, [`--base=--output=${target}`]);
    expect(r.code).toBe(66);
    expect(r.stderr).toBe(error('REVIEW.BASE_NOT_FOUND', `git revision ${JSON.stringify(`--output=${target}`)} is not in this clone`, BASE_FIX('<ref>')));
    expect(existsSync(target)).toBe(false);
  });

  it('git not on PATH: REVIEW.GIT_NOT_FOUND, exit 66', () => {
    const dir = committed();
    const empty = path.join(path.dirname(dir), 'empty-bin');
    mkdirSync(empty);
    expect(diff(dir, [], { PATH: empty })).toEqual({
      code: 66,
      stdout: '',
      stderr: error('REVIEW.GIT_NOT_FOUND', 'cannot compare with a git revision: git is not installed or not on PATH', 'install git (e.g. apt-get install git) or put it on PATH'),
    });
  });

  it("a damaged repository (the base config blob is gone): REVIEW.GIT_FAILED with git's message, exit 66", () => {
    const dir = committed();
    const blob = git(dir, 'rev-parse', 'HEAD:mlservice.yaml').trim();
    rmSync(path.join(dir, '.git/objects', blob.slice(0, 2), blob.slice(2)));
    const r = diff(dir);
    expect(r.code).toBe(66);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^mlservice\\.yaml error REVIEW\\.GIT_FAILED git failed: (fatal|error): .*${blob}`));
  });
});

describe('mlgen diff when there is honestly nothing before', () => {
  it('the base commit has no mlservice.yaml (the change adds the service): New service, exit 0', () => {
    const dir = copy();
    git(dir, 'init', '-q');
    git(dir, 'commit', '-q', '--allow-empty', '-m', 'empty');
    const r = diff(dir);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('New service demo-svc');
  });

  it('nothing committed yet, default base HEAD: New service, exit 0', () => {
    const dir = copy();
    git(dir, 'init', '-q');
    const r = diff(dir);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('New service demo-svc');
  });

  it('the base has the config: the change, exit 0 (a service in a subfolder of the repository)', () => {
    const parent = committed();
    // Move the project one level down: the config path at the base is relative to the top.
    const repo = path.dirname(parent);
    git(repo, 'init', '-q');
    rmSync(path.join(parent, '.git'), { recursive: true });
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'monorepo');
    changeBatching(parent);
    const r = mlgen(parent, ['diff', '--format', 'json'], { GIT_CEILING_DIRECTORIES: path.dirname(repo) });
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { created: boolean; items: Array<{ message: string }> };
    expect(summary.created).toBe(false);
    expect(summary.items.map((i) => i.message)).toEqual(['endpoint predict: batching maxBatchSize 32 -> 64']);
  });

  it('mlgen sync outside a repository says why there is no summary instead of "New service"', () => {
    const dir = copy();
    changeBatching(dir);
    const r = mlgen(dir, ['sync'], { GIT_CEILING_DIRECTORIES: path.dirname(dir) });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('New service');
    expect(r.stdout.trim().split('\n').at(-1)).toBe(`(no change summary: cannot compare with a git revision: ${dir} is not in a git repository; see \`mlgen diff\`)`);
  });
});
