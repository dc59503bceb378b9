/**
 * Servers for `npm run bench:serve`, each a separate child process: the generated service (the
 * TypeScript emitters' real output, compiled with the project's own tsc), the hand-written plain
 * Fastify + onnxruntime-node server and the bare Fastify server in bench/servers/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { ServiceModel } from '../src/config/model.js';
import { defaultQueueBudgetMs } from '../src/config/normalize.js';
import { minimalModel } from '../testkit/fixtures.js';
import { writeMlflowModelDir } from '../testkit/onnx-builder.js';
import { makeServiceProject, REPO, tsc } from '../testkit/service-project.js';

export interface Batching {
  enabled: boolean;
  maxBatchSize: number;
  maxLatencyMs: number;
  /** Default: the config's default (defaultQueueBudgetMs). */
  queueBudgetMs?: number;
}

/** MLflow `onnx_session_options`, which the runtime maps onto onnxruntime's session options. */
export type SessionOptions = Record<string, number | string>;

export interface Server {
  pid: number;
  base: string;
  /** Peak resident set (VmHWM) so far, in KiB. */
  peakRssKiB(): Promise<number>;
  /** User + system CPU seconds of the whole process (all threads) so far. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/** A port free right now: the probe listener is closed before the server is spawned. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The minimal fixture reshaped for the bench: `features` of exactly `dim` numbers, given batching. */
export function benchModel(dim: number, batching: Batching): ServiceModel {
  const model = minimalModel();
  const endpoint = model.endpoints[0]!;
  endpoint.input = {
    type: 'object',
    required: ['features'],
    properties: { features: { type: 'array', items: { type: 'number' }, minItems: dim, maxItems: dim } },
  };
  endpoint.examples = [{ features: new Array<number>(dim).fill(0.5) }];
  const queueBudgetMs = batching.queueBudgetMs ?? defaultQueueBudgetMs(batching.enabled ? batching.maxLatencyMs : 0);
  endpoint.batching = batching.enabled
    ? { enabled: true, maxBatchSize: batching.maxBatchSize, maxLatencyMs: batching.maxLatencyMs, maxQueueRows: 4096, queueBudgetMs }
    : { enabled: false, maxQueueRows: 4096, queueBudgetMs };
  return model;
}

/** Writes the model as MLflow saves it, optionally with `onnx_session_options` in MLmodel. */
export async function writeModel(dir: string, bytes: Uint8Array, sessionOptions?: SessionOptions): Promise<string> {
  await writeMlflowModelDir(dir, bytes);
  if (sessionOptions) {
    const mlmodel = parse(await readFile(join(dir, 'MLmodel'), 'utf8')) as { flavors: { onnx: Record<string, unknown> } };
    mlmodel.flavors.onnx.onnx_session_options = sessionOptions;
    await writeFile(join(dir, 'MLmodel'), stringify(mlmodel));
  }
  return join(dir, 'model.onnx');
}

export interface GeneratedProject {
  dir: string;
  cleanup(): Promise<void>;
}

/** Generates and compiles the service project, with `bytes` as its `scorer` model. */
export async function generatedProject(dim: number, batching: Batching, bytes: Uint8Array, sessionOptions?: SessionOptions): Promise<GeneratedProject> {
  // The model is on disk before generation, as after `mlgen models pull`, so the emitters see its inputs.
  const project = await makeServiceProject(benchModel(dim, batching), async (modelsDir) => {
    await writeModel(join(modelsDir, 'scorer'), bytes, sessionOptions);
  });
  const compiled = await tsc(project.dir, true);
  if (compiled.code !== 0) throw new Error(`generated project does not compile:\n${compiled.output}`);
  return { dir: project.dir, cleanup: project.cleanup };
}

async function procField(pid: number, file: string): Promise<string> {
  return readFile(`/proc/${pid}/${file}`, 'utf8');
}

async function waitReady(child: ChildProcess, base: string, stderr: () => string): Promise<void> {
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${stderr()}`);
    const ok = await fetch(`${base}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (i > 600) throw new Error(`server never became ready: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Spawns `node [nodeArgs] <script>` in `cwd` with PORT set (and ORT_DISABLE_TELEMETRY=1 unless set: the baseline servers open onnxruntime themselves) and waits for /readyz. Output goes to /dev/null but stderr is kept for errors. */
export async function startServer(script: string, cwd: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, script], { cwd, env: { ORT_DISABLE_TELEMETRY: '1', ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const base = `http://127.0.0.1:${port}`;
  await waitReady(child, base, () => stderr);
  const pid = child.pid!;
  return {
    pid,
    base,
    async peakRssKiB() {
      const m = /^VmHWM:\s+(\d+) kB/m.exec(await procField(pid, 'status'));
      return m ? Number(m[1]) : NaN;
    },
    async cpuSeconds() {
      // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
      const rest = (await procField(pid, 'stat')).split(') ')[1]!.split(' ');
      return (Number(rest[11]) + Number(rest[12])) / 100;
    },
    async stop() {
      if (child.exitCode !== null) return;
      // The runtime lingers on SIGTERM to drain (kubernetes#20473); the bench has nothing to drain.
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export { REPO };
export const SERVERS_DIR = join(REPO, 'bench', 'servers');
