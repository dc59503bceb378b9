/**
 * The generated Dockerfile, built and run for real with podman: a service generated from
 * mlservice.yaml with a real ONNX model, `npm ci` inside the build, the build args the generated
 * deploy workflow computes, then a non-root, read-only, capability-free container that must answer
 * predictions equal to onnxruntime's, carry its identity in labels, pass its own HEALTHCHECK and
 * exit on SIGTERM by itself.
 *
 * Needs podman and the locally built base image: `.ci/run` runs `.ci/container-setup.sh` and sets
 * MLGEN_CONTAINER_TESTS=1. Without that variable the suite is skipped (and says so).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PATHS, VARIANT_HEADER } from '../../runtime/src/names.js';
import { MINIMAL_YAML } from '../support/fixtures.js';
import { buildMlp } from '../support/onnx-builder.js';
import { hostAddress, inspectJson, podman, podmanBuild, podmanRun, podmanUnavailable } from '../support/podman.js';
import { makeImageProject, type ImageProject } from './project.js';

const ENABLED = process.env.MLGEN_CONTAINER_TESTS === '1';
if (!ENABLED) console.info('test/container skipped: set MLGEN_CONTAINER_TESTS=1 after `bash .ci/container-setup.sh` (needs podman and the local base image)');

const REVISION = '0123456789abcdef0123456789abcdef01234567';
const SOURCE = 'https://git.example.com/ds/scorer';
const SUFFIX = `${process.pid}-${Date.now()}`;
const TAG = `localhost/mlgen-test-scorer:${SUFFIX}`;
const NAME = `mlgen-test-scorer-${SUFFIX}`;
/** podman stop's default grace period: reaching it means SIGKILL, not the service's own exit. */
const KILL_AFTER_S = 10;

async function waitReady(base: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await fetch(base + PATHS.ready).then((r) => r.ok, () => false)) return;
    const running = await inspectJson<boolean>('container', NAME, '.State.Running');
    if (!running) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const logs = await podman(['logs', NAME]);
  throw new Error(`container never became ready:\n${logs.stdout}${logs.stderr}`);
}

/** onnxruntime-node on the host, on the same rows: the first element of the first output per row. */
async function direct(bytes: Uint8Array, rows: number[][]): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes);
  const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]);
  const out = (await session.run({ [session.inputNames[0]!]: input }))[session.outputNames[0]!]!;
  const perRow = out.data.length / rows.length;
  return rows.map((_, i) => Number((out.data as Float32Array)[i * perRow]));
}

describe.skipIf(!ENABLED)('the generated image, built and run with podman', () => {
  // Named "input", the default hooks' key whether or not sync read the model's signature.
  const bytes = buildMlp({ inputName: 'input', inputDim: 4, hidden: [8], seed: 7 });
  let project: ImageProject;
  let base: string;
  let lock: { models: Record<string, { sha256: string }> };

  beforeAll(async () => {
    project = await makeImageProject(MINIMAL_YAML, async (dir) => {
      await mkdir(join(dir, 'models/scorer'), { recursive: true });
      await writeFile(join(dir, 'models/scorer/model.onnx'), bytes);
    });
    lock = JSON.parse(await readFile(join(project.dir, 'models.lock.json'), 'utf8')) as typeof lock;
    const dockerfile = await readFile(join(project.dir, 'Dockerfile'), 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!);
    const missing = podmanUnavailable(bases);
    if (missing) throw new Error(missing);

    const started = performance.now();
    const args = [`REVISION=${REVISION}`, `VERSION=${project.model.service.version}`, `SOURCE=${SOURCE}`, ...project.modelBuildArgs];
    const built = await podmanBuild(project.dir, TAG, args);
    if (built.code !== 0) throw new Error(`podman build failed:\n${built.stdout}\n${built.stderr}`);
    const size = await inspectJson<number>('image', TAG, '.Size');
    console.info(`[container] build ${((performance.now() - started) / 1000).toFixed(1)} s, image ${size} bytes (${(size / 1e6).toFixed(0)} MB)`);

    const { port } = project.model.server;
    const ran = await podmanRun(TAG, { name: NAME, containerPort: port });
    if (ran.code !== 0) throw new Error(`podman run failed: ${ran.stderr}`);
    base = `http://${await hostAddress(NAME, port)}`;
    await waitReady(base);
  }, 900_000);

  afterAll(async () => {
    await podman(['rm', '-f', '-t', '0', NAME]);
    await podman(['rmi', '-f', TAG]);
    await project?.cleanup();
  });

  test('npm ci in the build fetched the unpublished runtime from the private-scope registry', () => {
    expect(project.registry.requests).toContain('/@mlservice/runtime/-/runtime-0.1.0.tgz');
  });

  test('predictions equal onnxruntime run directly on the same rows', async () => {
    const rows = [[0.5, -0.25, 3, 1e-3], [-2, 4.5, 0, 7], [1, 1, 1, 1]];
    const want = await direct(bytes, rows);
    const got = [];
    for (const features of rows) {
      const res = await fetch(`${base}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ features }) });
      got.push([res.status, res.headers.get(VARIANT_HEADER), await res.json()]);
    }
    // Same onnxruntime-node version and CPU on both sides: float32 results agree bit for bit.
    expect(got).toEqual(want.map((score) => [200, 'default', { score }]));
  });

  test('the image labels name the service, its revision and the locked model, exactly', async () => {
    const labels = await inspectJson<Record<string, string>>('image', TAG, '.Config.Labels');
    const ours = Object.fromEntries(Object.entries(labels).filter(([k]) => /^(org\.opencontainers\.image|io\.mlservice)\./.test(k)));
    const sha = lock.models['scorer']!.sha256;
    expect(ours).toEqual({
      'org.opencontainers.image.title': 'scorer',
      'org.opencontainers.image.description': 'Scores a row of numeric features',
      'org.opencontainers.image.version': '0.1.0',
      'org.opencontainers.image.revision': REVISION,
      'org.opencontainers.image.source': SOURCE,
      'org.opencontainers.image.base.name': 'node:24-bookworm-slim',
      'io.mlservice.model.scorer.source': 'models/scorer/model.onnx',
      'io.mlservice.model.scorer.version': `sha256-${sha.slice(0, 12)}`,
      'io.mlservice.model.scorer.run-id': '',
      'io.mlservice.model.scorer.sha256': sha,
    });
  });

  test('the running service reports the same revision and model digest as the labels', async () => {
    const meta = (await (await fetch(base + PATHS.metadata)).json()) as { service: { revision: string }; models: Array<{ name: string; sha256: string }> };
    expect([meta.service.revision, meta.models.map((m) => [m.name, m.sha256])]).toEqual([REVISION, [['scorer', lock.models['scorer']!.sha256]]]);
  });

  test('it runs as 10001 on a read-only root filesystem', async () => {
    const probe = "try { require('fs').writeFileSync('/app/x', '') } catch (e) { console.log(process.getuid(), process.getgid(), e.code) }";
    const res = await podman(['exec', NAME, 'node', '-e', probe]);
    expect([res.code, res.stdout]).toEqual([0, '10001 10001 EROFS\n']);
  });

  test("the image's own HEALTHCHECK passes", async () => {
    const health = await inspectJson<{ Test: string[] }>('image', TAG, '.Config.Healthcheck');
    expect(health.Test.join(' ')).toContain(PATHS.ready);
    const res = await podman(['healthcheck', 'run', NAME]);
    expect(res.code).toBe(0);
  });

  // Last: stops the container. No --init in podmanRun, so node is PID 1 and must handle SIGTERM itself.
  test('podman stop ends it through its SIGTERM handler, not the kill timeout', async () => {
    const started = performance.now();
    const res = await podman(['stop', '-t', String(KILL_AFTER_S), NAME]);
    const seconds = (performance.now() - started) / 1000;
    console.info(`[container] stop took ${seconds.toFixed(2)} s`);
    const exitCode = await inspectJson<number>('container', NAME, '.State.ExitCode');
    expect(res.code).toBe(0);
    expect([0, 143]).toContain(exitCode);
    expect(seconds).toBeLessThan(KILL_AFTER_S);
  });
});
