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
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PATHS } from '../../runtime/src/names.js';
import { MINIMAL_YAML } from '../../testkit/fixtures.js';
import { buildMlp } from '../../testkit/onnx-builder.js';
import { inspectJson, podman } from '../support/podman.js';
import { BASE_LABEL, buildAndStart, containerTestsEnabled, directScores, HOOK_TIMEOUT, ourLabels, postJson, readLock, REVISION, type Lock, type RunningImage } from './harness.js';
import { makeImageProject, type ImageProject } from './project.js';

const ENABLED = containerTestsEnabled('image.test.ts');
/** podman stop's default grace period: reaching it means SIGKILL, not the service's own exit. */
const KILL_AFTER_S = 10;

describe.skipIf(!ENABLED)('minimal image: one local model, built and run with podman', () => {
  const SOURCE = 'https://git.example.com/ds/scorer';
  // Named "input", the default hooks' key whether or not sync read the model's signature.
  const bytes = buildMlp({ inputName: 'input', inputDim: 4, hidden: [8], seed: 7 });
  let project: ImageProject;
  let image: RunningImage;
  let lock: Lock;

  beforeAll(async () => {
    project = await makeImageProject(MINIMAL_YAML, async (dir) => {
      await mkdir(join(dir, 'models/scorer'), { recursive: true });
      await writeFile(join(dir, 'models/scorer/model.onnx'), bytes);
    });
    lock = await readLock(project.dir);
    image = await buildAndStart(project, { revision: REVISION, source: SOURCE });
  }, HOOK_TIMEOUT);

  afterAll(async () => {
    await image?.remove();
    await project?.cleanup();
  });

  test("npm ci in the build fetched the unpublished runtime and generator through the project's registry", () => {
    const tarballs = project.registry.requests.filter((p) => /^\/(@mlservice\/runtime|generator-mlservice)\/-\//.test(p));
    // Only npm ci in the build stage downloads tarballs: the host's lock-only install reads packuments.
    expect(tarballs.sort()).toEqual(['/@mlservice/runtime/-/runtime-0.2.0.tgz', '/generator-mlservice/-/generator-mlservice-0.1.0.tgz']);
  });

  test('predictions equal onnxruntime run directly on the same rows', async () => {
    const rows = [
      [0.5, -0.25, 3, 1e-3],
      [-2, 4.5, 0, 7],
      [1, 1, 1, 1],
    ];
    const want = await directScores(bytes, rows);
    const got = [];
    for (const features of rows) got.push(await postJson(`${image.base}/v1/score`, { features }));
    // Same onnxruntime-node version and CPU on both sides: float32 results agree bit for bit.
    expect(got).toEqual(want.map((score) => [200, 'default', { score }]));
  });

  test('the image labels name the service, its revision and the locked model, exactly', async () => {
    const sha = lock.models['scorer']!.sha256;
    expect(await ourLabels(image.tag)).toEqual({
      'org.opencontainers.image.title': 'scorer',
      'org.opencontainers.image.description': 'Scores a row of numeric features',
      'org.opencontainers.image.version': '0.1.0',
      'org.opencontainers.image.revision': REVISION,
      'org.opencontainers.image.source': SOURCE,
      'org.opencontainers.image.base.name': BASE_LABEL,
      'io.mlservice.model.scorer.source': 'models/scorer/model.onnx',
      'io.mlservice.model.scorer.version': `sha256-${sha.slice(0, 12)}`,
      'io.mlservice.model.scorer.run-id': '',
      'io.mlservice.model.scorer.sha256': sha,
    });
  });

  test('the running service reports the same revision and model identity as the labels', async () => {
    const meta = (await (await fetch(image.base + PATHS.metadata)).json()) as { service: { revision: string }; models: Array<{ name: string; version: string; runId: string | null; sha256: string }> };
    const sha = lock.models['scorer']!.sha256;
    expect([meta.service.revision, meta.models.map((m) => [m.name, m.version, m.runId, m.sha256])]).toEqual([REVISION, [['scorer', `sha256-${sha.slice(0, 12)}`, null, sha]]]);
  });

  test('it runs as 10001 on a read-only root filesystem', async () => {
    const probe = "try { require('fs').writeFileSync('/app/x', '') } catch (e) { console.log(process.getuid(), process.getgid(), e.code) }";
    const res = await podman(['exec', image.name, 'node', '-e', probe]);
    expect([res.code, res.stdout]).toEqual([0, '10001 10001 EROFS\n']);
  });

  test('an inference worker lowers its own priority under that profile (no capability needed), leaving the rest at 0', async () => {
    // The runtime's own worker (session-worker.js) on the image's model, at MLSERVICE_INFERENCE_NICE's default.
    // CommonJS `-e` with an async body: the worker thread inherits execArgv, and `--input-type` without `-e` stops it.
    const probe = [
      '(async () => {',
      "process.env.MLSERVICE_INFERENCE_THREAD = 'worker';",
      "const { loadModel } = await import('@mlservice/runtime');",
      "const { readdirSync, readFileSync } = require('node:fs');",
      "const m = await loadModel({ name: 'scorer', source: 'models/scorer/model.onnx' }, './models');",
      "const nice = readdirSync('/proc/self/task').map((t) => { const s = readFileSync(`/proc/self/task/${t}/stat`, 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[16]); });",
      'console.log(m.runsOn.nice, nice.filter((n) => n === 5).length >= 1, nice.every((n) => n === 0 || n === 5));',
      'await m.release();',
      '})();',
    ].join('\n');
    const res = await podman(['exec', image.name, 'node', '-e', probe]);
    // Nothing on stderr: with its telemetry on, onnxruntime warns there that the image has no CA bundle
    // to upload with and no writable home for its device id (the runtime turns it off: session-host.ts).
    expect([res.code, res.stdout, res.stderr]).toEqual([0, '5 true true\n', '']);
  });

  test("the image's own HEALTHCHECK passes", async () => {
    const health = await inspectJson<{ Test: string[] }>('image', image.tag, '.Config.Healthcheck');
    expect(health.Test.join(' ')).toContain(PATHS.ready);
    expect((await podman(['healthcheck', 'run', image.name])).code).toBe(0);
  });

  // Last: stops the container. No --init in podmanRun, so node is PID 1 and must handle SIGTERM itself.
  test('podman stop ends it through its SIGTERM handler, not the kill timeout', async () => {
    const started = performance.now();
    const res = await podman(['stop', '-t', String(KILL_AFTER_S), image.name]);
    const seconds = (performance.now() - started) / 1000;
    console.info(`[container] ${image.name}: stop took ${seconds.toFixed(2)} s`);
    const exitCode = await inspectJson<number>('container', image.name, '.State.ExitCode');
    expect(res.code).toBe(0);
    expect([0, 143]).toContain(exitCode);
    expect(seconds).toBeLessThan(KILL_AFTER_S);
  });
});
