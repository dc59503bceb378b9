/**
 * `npm run bench:serve`: requests/s, latency, batch size, CPU and peak RSS of the generated service
 * (batching on, on a worker thread, off) against three hand-written servers in bench/servers/: the
 * minimal batcher (the ceiling reference: Fastify + onnxruntime-node + a dispatch-when-idle batcher),
 * the plain per-request Fastify + onnxruntime-node server and the bare Fastify server (HTTP only), on a small and a large real ONNX MLP, at 1/16/64/256
 * connections. Each server is its own child process; load comes from wrk in another process; the
 * servers not under measurement are paused (SIGSTOP) for the cell.
 * Writes bench/results/serve.json and serve.md. Figures only: nothing here asserts a speed.
 *
 * Env: BENCH_SECONDS (6) and BENCH_WARMUP (2) per cell; BENCH_ROUNDS (3): every cell is measured
 * that many times, in rounds over all servers, and each reported figure is the median of its rounds
 * (one pass was at the mercy of this VM's noise bursts: the same cell moved by up to 35%); BENCH_SERVERS=a,b to run only some servers;
 * BENCH_MODELS=small,large; BENCH_OUT=dir for the results (default bench/results).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMlp, seededRandom } from '../testkit/onnx-builder.js';
import { diffCounters, hasWrk, hostCpu, load, loadAverage, serviceCounters } from './serve-load.js';
import { markdown, ratios, type Cell, type ServerRecord } from './serve-report.js';
import { generatedProject, REPO, SERVERS_DIR, startServer, writeModel, type Batching, type GeneratedProject, type Server, type SessionOptions } from './serve-servers.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ALL_CONNECTIONS = process.env.BENCH_CONNS ? process.env.BENCH_CONNS.split(',').map(Number) : [1, 16, 64, 256];
const pick = (env: string | undefined, all: string[]) => (env ? all.filter((x) => env.split(',').includes(x)) : all);

interface ModelSpec {
  name: string;
  dim: number;
  hidden: number[];
}

const MODELS: ModelSpec[] = [
  { name: 'small', dim: 64, hidden: [256, 256] },
  { name: 'large', dim: 256, hidden: [1024, 1024] },
];

interface Variant {
  name: string;
  description: string;
  connections: number[];
  kind: 'generated' | 'plain' | 'batcher' | 'bare';
  batching?: Batching;
  sessionOptions?: SessionOptions;
  env?: Record<string, string>;
}

const on = (maxLatencyMs: number): Batching => ({ enabled: true, maxBatchSize: 64, maxLatencyMs });

/**
 * Target ratios are judged on every generated variant. The runtime gives a session one intra-op
 * thread unless MLmodel's `onnx_session_options` say otherwise: onnxruntime-node runs a session
 * synchronously on the event-loop thread, so more threads mostly spin against the client.
 * `-ortdefault` sets `intra_op_num_threads: 0` (onnxruntime's own default, a thread per core).
 */
const VARIANTS: Variant[] = [
  {
    name: 'gen-batch-2ms',
    kind: 'generated',
    batching: on(2),
    connections: ALL_CONNECTIONS,
    description:
      'generated service, batching maxBatchSize 64, maxLatencyMs 2, runtime defaults (inference thread auto, which keeps these models on the event-loop thread: a full batch takes under 5 ms; 2 non-spinning intra-op threads)',
  },
  {
    name: 'gen-batch-2ms-worker',
    kind: 'generated',
    batching: on(2),
    env: { MLSERVICE_INFERENCE_THREAD: 'worker' },
    connections: ALL_CONNECTIONS,
    description: 'as gen-batch-2ms with MLSERVICE_INFERENCE_THREAD=worker (the session on a worker thread)',
  },
  {
    name: 'gen-batch-2ms-ort1',
    kind: 'generated',
    batching: on(2),
    env: { MLSERVICE_ORT_THREADS: '1' },
    connections: [1, 64],
    description: 'as gen-batch-2ms with MLSERVICE_ORT_THREADS=1 (one intra-op thread, as the minimal batcher)',
  },
  { name: 'gen-nobatch', kind: 'generated', batching: { enabled: false, maxBatchSize: 64, maxLatencyMs: 2 }, connections: [1, 64], description: 'generated service, batching off, runtime defaults' },
  { name: 'plain', kind: 'plain', connections: ALL_CONNECTIONS, description: 'bench/servers/plain.mjs: Fastify + onnxruntime-node, ORT default session, run per request' },
  { name: 'plain-intra1', kind: 'plain', env: { INTRA_OP_THREADS: '1' }, connections: [1, 64], description: 'plain.mjs with intraOpNumThreads 1 (a tuned hand-written server)' },
  {
    name: 'batcher',
    kind: 'batcher',
    connections: ALL_CONNECTIONS,
    description:
      'bench/servers/batcher.mjs: the ceiling reference, ~40 lines of Fastify + onnxruntime-node with a dispatch-when-idle batcher (up to 64 rows per run, one intra-op thread), no validation, metrics or A/B',
  },
  { name: 'bare', kind: 'bare', connections: ALL_CONNECTIONS, description: 'bench/servers/bare.mjs: Fastify parsing the body, constant answer' },
];

function body(dim: number): string {
  const rand = seededRandom(dim);
  return JSON.stringify({ features: Array.from({ length: dim }, () => Math.round((rand() * 2 - 1) * 1e4) / 1e4) });
}

interface Prepared {
  model: ModelSpec;
  bytes: Uint8Array;
  bodyFile: string;
  modelFile: string;
  projects: Map<string, GeneratedProject>;
}

async function prepare(model: ModelSpec, variants: Variant[], work: string): Promise<Prepared> {
  const bytes = buildMlp({ inputName: 'input', inputDim: model.dim, hidden: model.hidden, seed: model.dim });
  const bodyFile = join(work, `${model.name}.json`);
  await writeFile(bodyFile, body(model.dim));
  const modelFile = await writeModel(join(work, `${model.name}-model`), bytes);
  const projects = new Map<string, GeneratedProject>();
  const byConfig = new Map<string, GeneratedProject>();
  for (const v of variants.filter((x) => x.kind === 'generated')) {
    // Variants that differ only in environment share one generated project.
    const key = JSON.stringify([v.batching, v.sessionOptions]);
    if (!byConfig.has(key)) {
      console.log(`generating and compiling the service for ${model.name} / ${v.name}`);
      byConfig.set(key, await generatedProject(model.dim, v.batching!, bytes, v.sessionOptions));
    }
    projects.set(v.name, byConfig.get(key)!);
  }
  return { model, bytes, bodyFile, modelFile, projects };
}

function start(p: Prepared, v: Variant): Promise<Server> {
  if (v.kind === 'generated') return startServer('dist/main.js', p.projects.get(v.name)!.dir, { LOG_LEVEL: 'info', ...v.env });
  if (v.kind === 'plain') return startServer(join(SERVERS_DIR, 'plain.mjs'), REPO, { MODEL: p.modelFile, ...v.env });
  if (v.kind === 'batcher') return startServer(join(SERVERS_DIR, 'batcher.mjs'), REPO, { MODEL: p.modelFile, ...v.env });
  return startServer(join(SERVERS_DIR, 'bare.mjs'), REPO, {});
}

async function cell(p: Prepared, v: Variant, server: Server, connections: number): Promise<Cell> {
  const url = `${server.base}/v1/score`;
  if (WARMUP > 0) await load(url, p.bodyFile, connections, WARMUP);
  const withBatches = v.kind === 'generated';
  const [c0, cpu0, host0, loadAvg] = [withBatches ? await serviceCounters(server.base) : null, await server.cpuSeconds(), await hostCpu(), await loadAverage()];
  const result = await load(url, p.bodyFile, connections, SECONDS);
  const [cpu1, host1] = [await server.cpuSeconds(), await hostCpu()];
  const d = c0 ? diffCounters(c0, await serviceCounters(server.base)) : null;
  const c: Cell = {
    model: p.model.name,
    server: v.name,
    connections,
    load: result,
    serverCpuUsPerReq: ((cpu1 - cpu0) * 1e6) / Math.max(1, result.requests),
    hostBusyPct: (100 * (host1.busy - host0.busy)) / Math.max(1, host1.total - host0.total),
    loadAverage: loadAvg,
    batch:
      d && d.batches > 0
        ? { meanSize: d.batchRows / d.batches, batches: d.batches, meanInferenceMs: (1000 * d.inferenceSeconds) / d.batches, meanQueueWaitMs: (1000 * d.queueWaitSeconds) / Math.max(1, d.queueWaits) }
        : null,
  };
  const b = c.batch ? ` batch ${c.batch.meanSize.toFixed(1)}` : '';
  console.log(
    `${p.model.name.padEnd(5)} ${v.name.padEnd(20)} c=${String(connections).padEnd(3)} ${result.reqPerSec.toFixed(0).padStart(6)} req/s p50 ${result.p50Ms.toFixed(2)} p99 ${result.p99Ms.toFixed(2)} ms${b} cpu ${c.serverCpuUsPerReq.toFixed(0)} µs/req err ${result.socketErrors}/${result.non2xx}`,
  );
  return c;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One cell per model/server/connections: every figure the median of its rounds (errors summed). */
function medianCells(all: Cell[]): Cell[] {
  const groups = new Map<string, Cell[]>();
  for (const c of all) {
    const key = `${c.model}\0${c.server}\0${c.connections}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].map((g) => {
    const m = (f: (c: Cell) => number) => median(g.map(f));
    const batches = g.flatMap((c) => (c.batch ? [c.batch] : []));
    return {
      ...g[0]!,
      load: {
        ...g[0]!.load,
        requests: m((c) => c.load.requests),
        seconds: m((c) => c.load.seconds),
        reqPerSec: m((c) => c.load.reqPerSec),
        p50Ms: m((c) => c.load.p50Ms),
        p90Ms: m((c) => c.load.p90Ms),
        p99Ms: m((c) => c.load.p99Ms),
        maxMs: m((c) => c.load.maxMs),
        socketErrors: g.reduce((a, c) => a + c.load.socketErrors, 0),
        non2xx: g.reduce((a, c) => a + c.load.non2xx, 0),
      },
      serverCpuUsPerReq: m((c) => c.serverCpuUsPerReq),
      hostBusyPct: m((c) => c.hostBusyPct),
      loadAverage: m((c) => c.loadAverage),
      batch:
        batches.length === 0
          ? null
          : {
              meanSize: median(batches.map((b) => b.meanSize)),
              batches: median(batches.map((b) => b.batches)),
              meanInferenceMs: median(batches.map((b) => b.meanInferenceMs)),
              meanQueueWaitMs: median(batches.map((b) => b.meanQueueWaitMs)),
            },
    };
  });
}

function versions(): Record<string, string> {
  const wrk = hasWrk ? execFileSync('sh', ['-c', 'wrk -v 2>&1 | head -1'], { encoding: 'utf8' }).trim() : 'absent (autocannon used)';
  return { node: process.version, wrk, cpus: `${cpus().length} x ${cpus()[0]?.model ?? '?'}` };
}

async function main(): Promise<void> {
  const variants = VARIANTS.filter((v) =>
    pick(
      process.env.BENCH_SERVERS,
      VARIANTS.map((x) => x.name),
    ).includes(v.name),
  );
  const models = MODELS.filter((m) =>
    pick(
      process.env.BENCH_MODELS,
      MODELS.map((x) => x.name),
    ).includes(m.name),
  );
  const out = process.env.BENCH_OUT ?? join(REPO, 'bench', 'results');
  const work = await mkdtemp(join(tmpdir(), 'mlgen-bench-serve-'));
  const loadBefore = await loadAverage();
  const prepared: Prepared[] = [];
  for (const m of models) prepared.push(await prepare(m, variants, work));
  const rounds: Cell[] = [];
  const servers: ServerRecord[] = [];
  for (const p of prepared) {
    // All servers of a model are started once (each paused while another is measured), and the cells go round the
    // servers per connection count, so drifting machine load hits every server alike.
    const running = new Map<Variant, Server>();
    try {
      for (const v of variants) running.set(v, await start(p, v));
      for (let round = 0; round < ROUNDS; round++)
        for (const c of ALL_CONNECTIONS) {
          for (const [v, server] of running) {
            if (!v.connections.includes(c)) continue;
            // The other servers are stopped (SIGSTOP) during a cell: idle, their timers and threads
            // still wake up and, on 2 cores, showed in the measured server's p99 at 1 connection.
            const others = [...running.values()].filter((o) => o !== server);
            for (const o of others) process.kill(o.pid, 'SIGSTOP');
            try {
              rounds.push(await cell(p, v, server, c));
            } finally {
              for (const o of others) process.kill(o.pid, 'SIGCONT');
            }
          }
        }
      for (const [v, server] of running) servers.push({ model: p.model.name, server: v.name, description: v.description, peakRssMiB: (await server.peakRssKiB()) / 1024 });
    } finally {
      for (const server of running.values()) await server.stop();
    }
    for (const g of new Set(p.projects.values())) await g.cleanup();
  }
  await rm(work, { recursive: true, force: true });
  const cells = medianCells(rounds);
  const order = (c: Cell) => [models.findIndex((m) => m.name === c.model), variants.findIndex((v) => v.name === c.server), c.connections];
  cells.sort(
    (a, b) =>
      order(a)
        .map((x, i) => x - order(b)[i]!)
        .find((d) => d !== 0) ?? 0,
  );
  const generated = variants.filter((v) => v.kind === 'generated').map((v) => v.name);
  const setup = [
    `${new Date().toISOString()}, ${Object.entries(versions())
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `load ${hasWrk ? 'wrk -t1' : 'autocannon'} in its own process, POST one JSON row per request (small: 64 floats, large: 256 floats), ${WARMUP} s warm-up + ${SECONDS} s per cell, ${ROUNDS} rounds over all servers; each figure is the median of its rounds`,
    "generated service = the TypeScript emitters' output for a one-endpoint config, compiled with its own tsc and run as `node dist/main.js` (LOG_LEVEL=info unless the variant says otherwise, logs to /dev/null), model as an MLflow directory",
    `models: small 64 -> 256 -> 256 -> 1, large 256 -> 1024 -> 1024 -> 1 (Gemm+Relu, Sigmoid), float32`,
    'where the time goes, and suggested runtime changes: [serve.findings.md](serve.findings.md)',
    `load average (1 min) before ${loadBefore}, after ${await loadAverage()}; client and servers share the same ${cpus().length} cores, so compare ratios within this run`,
  ];
  const report = { title: 'bench:serve results', setup, cells, servers, ratios: ratios(cells, generated) };
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'serve.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(out, 'serve.md'), markdown(report));
  console.log(`\n${markdown({ ...report, cells: [] }).split('## Cells')[0]}`);
  console.log(`wrote ${join(out, 'serve.json')} and serve.md`);
}

await main();
