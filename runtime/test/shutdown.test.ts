/**
 * SIGTERM under load, against the compiled runtime in a real child process: every request the server
 * accepted is answered (200, or 503 + Retry-After once draining began), the process exits 0.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMlp, writeMlflowModelDir } from '../../testkit/onnx-builder.js';

const runtimeDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A plain-JS service (what generated code compiles to) on the built runtime, printing its URL when ready. */
const serviceScript = (distIndex: string) => `
import { startService } from ${JSON.stringify(pathToFileURL(distIndex).href)};
const validate = (d) => typeof d === 'object' && d !== null && Array.isArray(d.items);
validate.errors = null;
const svc = await startService({
  service: { name: 'drain-test', version: '0.0.1', description: '' },
  models: [{ name: 'heavy', source: 'models:/heavy/1' }],
  endpoints: [{
    name: 'rank', path: '/rank', validate, model: 'heavy',
    batching: { enabled: true, maxBatchSize: 64, maxLatencyMs: 5, maxQueueRows: 100000 },
    preprocess: (input) => input.items.map((f) => ({ features: f })),
    postprocess: (outputs) => ({ scores: outputs.map((o) => o.score[0]) }),
  }],
  server: { port: 0, bodyLimitBytes: 1 << 20, shutdownGraceMs: 20000 },
  openapi: { openapi: '3.1.0', info: { title: 'drain-test', version: '0.0.1' }, paths: {} },
}, { modelsDir: process.argv[2], port: 0, host: '127.0.0.1' });
await svc.ready;
console.log('READY ' + svc.url);
`;

const tsc = join(runtimeDir, '..', 'node_modules', 'typescript', 'bin', 'tsc');
const cleanup: string[] = [];
let script: string;
let modelsDir: string;

beforeAll(async () => {
  // A private build: other test processes may rewrite runtime/dist at any moment. It sits under the
  // repo's node_modules so the runtime's own imports (fastify, onnxruntime-node) resolve.
  // The package's layout is kept: dist/ next to the operational OpenAPI fragment it reads (../openapi.yaml).
  const pkg = join(runtimeDir, '..', 'node_modules', '.cache', 'mlservice-runtime-shutdown-test', String(process.pid));
  const build = join(pkg, 'dist');
  await rm(pkg, { recursive: true, force: true });
  await promisify(execFile)(process.execPath, [tsc, '-p', join(runtimeDir, 'tsconfig.json'), '--outDir', build], { cwd: runtimeDir });
  await copyFile(join(runtimeDir, 'openapi.yaml'), join(pkg, 'openapi.yaml'));
  const dir = await mkdtemp(join(tmpdir(), 'shutdown-'));
  cleanup.push(pkg, dir);
  modelsDir = join(dir, 'models');
  // Wide layers make each batch take long enough that requests are still queued when SIGTERM lands.
  await writeMlflowModelDir(join(modelsDir, 'heavy'), buildMlp({ inputDim: 32, hidden: [1024, 1024], seed: 9 }), { externalData: 'w' });
  script = join(dir, 'service.mjs');
  await writeFile(script, serviceScript(join(build, 'index.js')));
});
afterAll(() => Promise.all(cleanup.map((d) => rm(d, { recursive: true, force: true }))));

function startChild(dir = modelsDir, extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; log: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [script, dir], {
    env: { ...process.env, LOG_LEVEL: 'debug', MLSERVICE_MODELS_LOCK: join(modelsDir, 'none.json'), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolveStart, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^READY (\S+)$/m.exec(out);
      if (m) resolveStart({ child, url: m[1]!, log: () => out, exited });
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => reject(new Error(`child exited ${code} before ready:\n${out}`)));
  });
}

describe('start-up', () => {
  it('exits 1 with the error code and its fix when a model is missing, without a stack trace', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'no-models-'));
    cleanup.push(empty);
    const err = (await startChild(empty).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/^child exited 1 before ready:/);
    expect(err.message).toContain('"code":"MODEL.NOT_FOUND","msg":"MODEL.NOT_FOUND no model \\"heavy\\" in ');
    expect(err.message).toContain('\\nfix: run `mlgen models pull`');
    expect(err.message).not.toMatch(/\bat .*\.js:\d+/);
  });
});

describe.each(['main', 'worker'])('SIGTERM under load, inference thread %s', (thread) => {
  it('answers every accepted request, drains the queue and exits 0', async () => {
    const { child, url, log, exited } = await startChild(modelsDir, { MLSERVICE_INFERENCE_THREAD: thread });
    const body = JSON.stringify({ items: Array.from({ length: 16 }, (_, i) => Array.from({ length: 32 }, (_, j) => Math.sin(i + j))) });
    const send = () =>
      fetch(`${url}/rank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
        async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), scores: r.status === 200 ? ((await r.json()) as { scores: number[] }).scores.length : 0 }),
        (e: Error) => ({ status: 0, retryAfter: null, scores: 0, error: String((e.cause as Error | undefined)?.message ?? e.message) }),
      );
    const inFlight = Array.from({ length: 80 }, send);
    await Promise.race(inFlight);
    child.kill('SIGTERM');
    const killedAt = Date.now();
    const results = await Promise.all(inFlight);
    if (results.some((r) => r.status === 0))
      console.log(
        'connection errors; ms since SIGTERM, statuses, child log:',
        Date.now() - killedAt,
        JSON.stringify(results.map((r) => r.status)),
        log()
          .split('\n')
          .filter((l) => !l.includes('request completed'))
          .join('\n'),
      );
    expect(await exited).toBe(0);
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThan(1);
    expect(ok.every((r) => r.scores === 16)).toBe(true);
    // Nothing accepted may vanish: the only other answer allowed is an explicit 503 with Retry-After.
    expect(results.filter((r) => r.status !== 200 && !(r.status === 503 && r.retryAfter !== null))).toEqual([]);
    expect(log()).toContain('drained; exiting');
    expect(log()).toContain('"endpoint":"rank","variant":"default"');
    expect(log()).toContain(`"models":[{"name":"heavy","thread":"${thread}","intraOpThreads":`);
  });
});
