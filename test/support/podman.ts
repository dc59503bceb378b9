/**
 * podman as this machine can run it (see "Containers" in the team's environment notes): runc,
 * chroot build isolation, no pulls (the base image is built locally by `.ci/container-setup.sh`),
 * docker image format (the OCI format drops HEALTHCHECK), explicit rlimits. The CA bundle and the
 * machine's npm config are mounted into builds only: the Dockerfile stays as users have it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PodmanResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs podman; never throws for a non-zero exit (callers assert on `code`). */
export async function podman(args: string[], timeoutMs = 600_000): Promise<PodmanResult> {
  try {
    const { stdout, stderr } = await run('podman', ['--runtime', 'runc', ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: `${e.stderr ?? ''}${String(err)}` };
  }
}

/** Why container tests cannot run here, or `undefined` when podman and `images` are present. */
export function podmanUnavailable(images: string[]): string | undefined {
  try {
    execFileSync('podman', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'podman is not installed (run `bash .ci/container-setup.sh`)';
  }
  for (const image of images) {
    try {
      execFileSync('podman', ['image', 'exists', image], { stdio: 'ignore' });
    } catch {
      return `base image ${image} is missing (run \`bash .ci/container-setup.sh\`)`;
    }
  }
  return undefined;
}

/**
 * `-v` mounts that let npm inside a build reach the registry exactly as npm on this machine does:
 * the CA bundle, and the global npmrc (as the image's npm global config) when there is one.
 */
function buildMounts(): string[] {
  const npmrc = execFileSync('npm', ['config', 'get', 'globalconfig'], { encoding: 'utf8' }).trim();
  const mounts = [
    ['/etc/ssl/certs/ca-certificates.crt', '/etc/ssl/certs/ca-certificates.crt'],
    [npmrc, '/usr/local/etc/npmrc'],
  ];
  return mounts.filter(([host]) => existsSync(host!)).flatMap(([host, image]) => ['-v', `${host}:${image}:ro`]);
}

/**
 * `podman build` of `dir` into `tag`. `--layers=false` keeps no per-instruction cache images, so
 * removing the tag removes everything the build made.
 */
export function podmanBuild(dir: string, tag: string, buildArgs: string[]): Promise<PodmanResult> {
  const args = ['build', '--isolation=chroot', '--pull=never', '--format', 'docker', '--layers=false', ...buildMounts()];
  return podman([...args, ...buildArgs.flatMap((a) => ['--build-arg', a]), '-t', tag, dir]);
}

export interface RunOptions {
  name: string;
  /** Published on 127.0.0.1 only, on a host port podman picks (see `hostAddress`). */
  containerPort: number;
}

/**
 * `podman run -d` under a strict Kubernetes-like profile: non-root, read-only root filesystem, no
 * capabilities, no privilege escalation. No `--init`: the image's own process must handle SIGTERM.
 */
export function podmanRun(image: string, o: RunOptions): Promise<PodmanResult> {
  return podman([
    'run',
    '-d',
    '--name',
    o.name,
    '--ulimit',
    'nofile=4096:4096',
    '--ulimit',
    'nproc=4096:4096',
    '--user',
    '10001:10001',
    '--read-only',
    '--cap-drop=ALL',
    '--security-opt',
    'no-new-privileges',
    '-p',
    `127.0.0.1::${o.containerPort}`,
    image,
  ]);
}

/** `127.0.0.1:<port>` where `containerPort` of container `name` is published. */
export async function hostAddress(name: string, containerPort: number): Promise<string> {
  const res = await podman(['port', name, `${containerPort}/tcp`]);
  if (res.code !== 0) throw new Error(`podman port ${name}: ${res.stderr}`);
  return res.stdout.trim().split('\n')[0]!;
}

/** `podman inspect --format` of one object, parsed as JSON. */
export async function inspectJson<T>(kind: 'image' | 'container', name: string, template: string): Promise<T> {
  const res = await podman([kind, 'inspect', '--format', `{{json ${template}}}`, name]);
  if (res.code !== 0) throw new Error(`podman ${kind} inspect ${name}: ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}
