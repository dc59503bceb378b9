/**
 * Build the generated project's image with the build args its deploy workflow passes, start it
 * under the strict profile of `podmanRun`, and wait until it is ready; remove everything after.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { PATHS, VARIANT_HEADER } from '../../runtime/src/names.js';
import { hostAddress, inspectJson, podman, podmanBuild, podmanRun, podmanUnavailable } from '../support/podman.js';
import type { ImageProject } from './project.js';

export const REVISION = '0123456789abcdef0123456789abcdef01234567';
/** `deploy.image.base` by default, as the Dockerfile labels it. */
export const BASE_LABEL = 'node:24-bookworm-slim';
/** Generating, `npm ci` and building take a minute or two; allow for a cold npm cache. */
export const HOOK_TIMEOUT = 900_000;

/** Whether MLGEN_CONTAINER_TESTS=1; says on stdout why `file` is skipped otherwise. */
export function containerTestsEnabled(file: string): boolean {
  if (process.env.MLGEN_CONTAINER_TESTS === '1') return true;
  console.info(`test/container/${file} skipped: set MLGEN_CONTAINER_TESTS=1 after \`bash .ci/container-setup.sh\` (needs podman and the local base image)`);
  return false;
}

export interface Lock {
  models: Record<string, { sha256: string }>;
}

export async function readLock(dir: string): Promise<Lock> {
  return JSON.parse(await readFile(join(dir, 'models.lock.json'), 'utf8')) as Lock;
}

export interface Identity {
  revision: string;
  source: string;
}

export interface RunningImage {
  tag: string;
  name: string;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Removes the container and the image. */
  remove: () => Promise<void>;
}

async function waitReady(name: string, base: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(base + PATHS.ready).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    if (!(await inspectJson<boolean>('container', name, '.State.Running'))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const logs = await podman(['logs', name]);
  throw new Error(`container ${name} never became ready:\n${logs.stdout}${logs.stderr}`);
}

/** Builds, reports build time and size on stdout, runs and waits for `/readyz`. */
export async function buildAndStart(project: ImageProject, id: Identity): Promise<RunningImage> {
  const dockerfile = await readFile(join(project.dir, 'Dockerfile'), 'utf8');
  const missing = podmanUnavailable([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!));
  if (missing) throw new Error(missing);
  const slug = `mlgen-test-${project.model.service.name}-${process.pid}-${Date.now()}`;
  const tag = `localhost/${slug}:test`;
  const remove = async () => {
    await podman(['rm', '-f', '-t', '0', slug]);
    await podman(['rmi', '-f', tag]);
  };
  const started = performance.now();
  const args = [`REVISION=${id.revision}`, `VERSION=${project.model.service.version}`, `SOURCE=${id.source}`, ...project.modelBuildArgs];
  const built = await podmanBuild(project.dir, tag, args);
  if (built.code !== 0) throw new Error(`podman build failed:\n${built.stdout}\n${built.stderr}`);
  const size = await inspectJson<number>('image', tag, '.Size');
  console.info(`[container] ${slug}: build ${((performance.now() - started) / 1000).toFixed(1)} s, image ${size} bytes (${(size / 1e6).toFixed(0)} MB)`);
  const { port } = project.model.server;
  const ran = await podmanRun(tag, { name: slug, containerPort: port });
  if (ran.code !== 0) {
    await remove();
    throw new Error(`podman run failed: ${ran.stderr}`);
  }
  const running = { tag, name: slug, base: `http://${await hostAddress(slug, port)}`, remove };
  await waitReady(slug, running.base).catch(async (err: unknown) => {
    await remove();
    throw err;
  });
  return running;
}

/** Image labels under `org.opencontainers.image.` and `io.mlservice.`, the ones mlgen sets. */
export async function ourLabels(tag: string): Promise<Record<string, string>> {
  const labels = await inspectJson<Record<string, string>>('image', tag, '.Config.Labels');
  return Object.fromEntries(Object.entries(labels).filter(([k]) => /^(org\.opencontainers\.image|io\.mlservice)\./.test(k)));
}

/** onnxruntime-node on the host, on the same rows: the first element of the first output per row. */
export async function directScores(bytes: Uint8Array, rows: number[][]): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes);
  const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]);
  const out = (await session.run({ [session.inputNames[0]!]: input }))[session.outputNames[0]!]!;
  const perRow = out.data.length / rows.length;
  return rows.map((_, i) => Number((out.data as Float32Array)[i * perRow]));
}

/** POST JSON; status, variant header and parsed body. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<[number, string | null, unknown]> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return [res.status, res.headers.get(VARIANT_HEADER), await res.json()];
}
