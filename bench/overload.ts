/**
 * `npm run bench:overload`: issue 11's "overload must shed, not queue", measured. The generated
 * service on the large MLP (256 -> 1024 -> 1024 -> 1; batching maxBatchSize 64, maxLatencyMs 2,
 * the default queue budget) is loaded first at the rate it sustains, then at twice that rate by
 * callers with a 2 s deadline, and the run is judged against the issue's targets:
 *   - p99 of the 200s <= queueBudgetMs + one batch's inference time (the fitted a*64+b, from
 *     /metrics mlservice_batch_cost_per_row_seconds and _fixed_seconds);
 *   - refusals (503 + Retry-After) answered in < 5 ms p99;
 *   - 200s per second >= 90% of the sustainable rate;
 *   - no crash; peak RSS reported; one request right after the load gets 200.
 *
 * Load: the sustainable rate is a closed loop (autocannon in this process). The overload, by
 * default (BENCH_LOAD=closed) the issue's own: autocannon, `overallRate` twice that rate over
 * BENCH_CONNECTIONS connections, `timeout: 2`. autocannon's overallRate is a per-connection quota
 * per 1 s window, not a rate (bench/open-loop.ts), so for this model it is a closed loop of 1,024
 * connections. BENCH_LOAD=open offers the rate for real: bench/open-loop.ts, requests due on a fixed
 * schedule whatever the service answers, over at most BENCH_CONNECTIONS keep-alive connections,
 * latency from when each request was due, the same 2 s deadline; it writes overload-open*.md.
 * On a machine with 2 or more cores the load generator is pinned to CPU 0 and the
 * servers to the others (taskset; onnxruntime gets that many intra-op threads), so the figures are
 * the service's and not a fight for cores with its client; BENCH_PIN=0 shares all cores.
 *
 * The floor of a refusal: the same closed loop as the sustainable rate, against
 * bench/servers/refuse.mjs (Node's HTTP server answering a constant 503, nothing else), gives the
 * least CPU any refusal written in Node can cost. With c_a the service's CPU per 200 and c_r that
 * floor, a service offered F times its sustainable rate S that must read every request answers at
 * most x 200s per second where x*c_a + (F*S - x)*c_r <= the cores it has; the report prints that
 * bound on the 200s share next to the measured one.
 *
 * The baseline: bench/servers/batcher.mjs (the smallest hand-written server that batches well) on
 * the same model under the same loads, sustain loop then BENCH_BASELINE_SECONDS (20) of the overload,
 * so the share of the sustainable rate kept at 1,024 connections has a reference from the same run.
 *
 * Env: BENCH_SECONDS (60) of overload; the sustainable rate is measured (closed loop of
 * BENCH_SUSTAIN_CONNECTIONS=64 for BENCH_SUSTAIN_SECONDS=10 after a 3 s warm-up, 200s per second);
 * BENCH_PIN (1 on 2+ cores; 0: no pinning); BENCH_ORT_THREADS (min(2, the servers' cores));
 * BENCH_CONNECTIONS (1024); BENCH_OVERLOAD_FACTOR (2); BENCH_QUEUE_BUDGET_MS (the config default);
 * BENCH_HIDDEN (1024,1024: the hidden layers of the MLP; 4096,4096,4096,4096 is a model whose
 * smallest batch costs ~10 ms, for which a refusal is cheap next to an answer);
 * BENCH_LOG_LEVEL (info, the service's default); BENCH_INFERENCE_THREAD (auto, the runtime's
 * default, which puts the large MLP on the event-loop thread and the 4096 one on a worker; main or
 * worker: MLSERVICE_INFERENCE_THREAD; on the event-loop thread a refusal waits for the batch that
 * is computing there); BENCH_OUT (bench/results).
 * Writes bench/results/overload.md (overload-<thread>.md with BENCH_INFERENCE_THREAD=main|worker); what the
 * runs show is in bench/results/overload.findings.md. Figures only: nothing here fails on a missed
 * target.
 */
import { createRequire } from 'node:module';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { buildMlp, seededRandom } from '../testkit/onnx-builder.js';
import { cpuSplit, pinProcess } from '../testkit/cpu-split.js';
import { total } from '../testkit/metrics.js';
import { percentile } from '../testkit/stats.js';
import { loadAverage } from './serve-load.js';
import { benchModel, generatedProject, REPO, SERVERS_DIR, startServer, type Batching, type Server } from './serve-servers.js';
import { openLoopLoad, type OpenLoopRun } from './open-loop.js';
import { overloadMarkdown, type OverloadReport } from './overload-report.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 1024);
const FACTOR = Number(process.env.BENCH_OVERLOAD_FACTOR ?? 2);
const SUSTAIN_CONNECTIONS = Number(process.env.BENCH_SUSTAIN_CONNECTIONS ?? 64);
const SUSTAIN_SECONDS = Number(process.env.BENCH_SUSTAIN_SECONDS ?? 10);
const DEADLINE_SECONDS = 2;
const LOAD = process.env.BENCH_LOAD === 'open' ? 'open' : 'closed';
const MODEL = { dim: 256, hidden: (process.env.BENCH_HIDDEN ?? '1024,1024').split(',').map(Number) };
const CPUS = cpuSplit(process.env.BENCH_PIN !== '0');
const BATCHING: Batching = { enabled: true, maxBatchSize: 64, maxLatencyMs: 2, ...(process.env.BENCH_QUEUE_BUDGET_MS ? { queueBudgetMs: Number(process.env.BENCH_QUEUE_BUDGET_MS) } : {}) };

/** The slice of autocannon's API used here (the package ships no types). */
type Autocannon = (opts: Record<string, unknown>) => NodeJS.EventEmitter & PromiseLike<{ timeouts: number; errors: number; statusCodeStats: Record<string, { count: number }> }>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Run {
  byStatus: Map<number, number[]>;
  timeouts: number;
  socketErrors: number;
  seconds: number;
  /** Connections that carried a request, and that got at least one answer. */
  connectionsUsed: number;
  connectionsAnswered: number;
  /** The open loop's own account of its schedule (BENCH_LOAD=open only). */
  open?: Pick<OpenLoopRun, 'due' | 'queuedAtClient' | 'serverByStatus'>;
}

async function drive(url: string, body: string, opts: { connections: number; seconds: number; rate?: number; timeout?: number }): Promise<Run> {
  const byStatus = new Map<number, number[]>();
  const started = performance.now();
  const instance = autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: opts.connections,
    duration: opts.seconds,
    ...(opts.rate ? { overallRate: Math.round(opts.rate) } : {}),
    ...(opts.timeout ? { timeout: opts.timeout } : {}),
  });
  const answered = new Set<unknown>();
  instance.on('response', (client: unknown, status: number, _bytes: number, ms: number) => {
    answered.add(client);
    if (!byStatus.has(status)) byStatus.set(status, []);
    byStatus.get(status)!.push(ms);
  });
  const result = await instance;
  return {
    byStatus,
    timeouts: result.timeouts,
    socketErrors: result.errors - result.timeouts,
    seconds: (performance.now() - started) / 1000,
    connectionsUsed: opts.connections,
    connectionsAnswered: answered.size,
  };
}

/** The overload: `rate` over CONNECTIONS with the 2 s deadline, from autocannon (BENCH_LOAD=closed) or the open loop. */
async function overload(url: string, body: string, rate: number, seconds: number): Promise<Run> {
  if (LOAD === 'closed') return drive(url, body, { connections: CONNECTIONS, seconds, rate, timeout: DEADLINE_SECONDS });
  const run = await openLoopLoad(url, body, { connections: CONNECTIONS, seconds, rate, deadlineMs: DEADLINE_SECONDS * 1000 });
  return { ...run, open: run };
}

const count = (r: Run, status: number) => r.byStatus.get(status)?.length ?? 0;
const okRate = (r: Run) => count(r, 200) / r.seconds;
const answers = (r: Run) => [...r.byStatus.values()].reduce((n, l) => n + l.length, 0);

async function started(script: string, cwd: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<Server> {
  const server = await startServer(script, cwd, env, nodeArgs);
  if (CPUS.pinned) pinProcess(server.pid, CPUS.serviceCpus);
  return server;
}

/** `drive` for the sustain settings, with the server's CPU seconds per answer. */
async function closedLoop(server: Server, url: string, body: string): Promise<{ run: Run; cpuPerAnswerUs: number }> {
  await drive(url, body, { connections: SUSTAIN_CONNECTIONS, seconds: 3 });
  const cpu0 = await server.cpuSeconds();
  const run = await drive(url, body, { connections: SUSTAIN_CONNECTIONS, seconds: SUSTAIN_SECONDS });
  return { run, cpuPerAnswerUs: (1e6 * ((await server.cpuSeconds()) - cpu0)) / Math.max(1, answers(run)) };
}

/**
 * The baseline under the same two loads: bench/servers/batcher.mjs (the smallest hand-written
 * Fastify + onnxruntime-node server that batches well; no validation, metrics, shedding) on the same
 * model, its sustainable rate from the sustain loop, then BENCH_BASELINE_SECONDS of the overload.
 */
async function baselineShare(modelFile: string, body: string): Promise<OverloadReport['baseline']> {
  const seconds = Number(process.env.BENCH_BASELINE_SECONDS ?? 20);
  const batcher = await started(join(SERVERS_DIR, 'batcher.mjs'), REPO, { MODEL: modelFile });
  try {
    const url = `${batcher.base}/v1/score`;
    const sustainable = okRate((await closedLoop(batcher, url, body)).run);
    const run = await overload(url, body, FACTOR * sustainable, seconds);
    const ok = run.byStatus.get(200) ?? [];
    return { sustainableRps: sustainable, okRps: okRate(run), okP99Ms: percentile(ok, 99), timeouts: run.timeouts, seconds };
  } finally {
    await batcher.stop();
  }
}

/** CPU per answer of bench/servers/refuse.mjs under the sustain loop: the cheapest refusal Node can make. */
async function refusalFloorUs(body: string): Promise<number> {
  const floor = await started(join(SERVERS_DIR, 'refuse.mjs'), REPO, {});
  try {
    const { run, cpuPerAnswerUs } = await closedLoop(floor, `${floor.base}/v1/score`, body);
    if (count(run, 503) !== answers(run)) throw new Error(`refuse.mjs answered other than 503: ${JSON.stringify(Object.fromEntries([...run.byStatus].map(([s, l]) => [s, l.length])))}`);
    return cpuPerAnswerUs;
  } finally {
    await floor.stop();
  }
}

async function metrics(base: string): Promise<string> {
  return (await fetch(`${base}/metrics`)).text();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const rand = seededRandom(MODEL.dim);
  const body = JSON.stringify({ features: Array.from({ length: MODEL.dim }, () => Math.round((rand() * 2 - 1) * 1e4) / 1e4) });
  console.log(`generating and compiling the service (MLP ${MODEL.dim} -> ${MODEL.hidden.join(' -> ')} -> 1)`);
  const project = await generatedProject(MODEL.dim, BATCHING, buildMlp({ inputName: 'input', inputDim: MODEL.dim, hidden: MODEL.hidden, seed: MODEL.dim }));
  const thread = process.env.BENCH_INFERENCE_THREAD ?? 'auto';
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const ortThreads = process.env.BENCH_ORT_THREADS ?? String(CPUS.ortThreads);
  if (CPUS.pinned) pinProcess(process.pid, CPUS.clientCpus);
  const server = await started('dist/main.js', project.dir, { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', MLSERVICE_INFERENCE_THREAD: thread, MLSERVICE_ORT_THREADS: ortThreads }, nodeArgs);
  const url = `${server.base}/v1/score`;
  // Where the runtime put the model (auto decides at start-up), from its /metadata.
  const placed = ((await (await fetch(`${server.base}/metadata`)).json()) as { models: Array<{ inferenceThread: string; fullBatchMs: number | null; inferenceNice?: number | null }> }).models[0]!;
  try {
    // The budget the generated service was configured with: the normalized config's value.
    const budgetMs = benchModel(MODEL.dim, BATCHING).endpoints[0]!.batching.queueBudgetMs;
    const sustainBefore = await closedLoop(server, url, body);
    const rate = FACTOR * okRate(sustainBefore.run);
    console.log(`sustainable ${okRate(sustainBefore.run).toFixed(0)} req/s; overload at ${rate.toFixed(0)} req/s from ${CONNECTIONS} connections for ${SECONDS} s`);
    const before = await metrics(server.base);
    const load0 = await loadAverage();
    const serverCpu0 = await server.cpuSeconds();
    const clientCpu0 = process.cpuUsage();
    const run = await overload(url, body, rate, SECONDS);
    const clientCpu = process.cpuUsage(clientCpu0);
    const serverCpu = (await server.cpuSeconds()) - serverCpu0;
    const after = await metrics(server.base);
    const single = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    // Measured again after the overload: on a shared VM the same loop moved by up to 2x between
    // runs, so the share is judged against the higher of the two (the stricter).
    const sustainAfter = await closedLoop(server, url, body);
    const sustain = okRate(sustainAfter.run) > okRate(sustainBefore.run) ? sustainAfter : sustainBefore;
    const sustainable = okRate(sustain.run);
    const floorUs = await refusalFloorUs(body);
    const baseline = await baselineShare(join(project.dir, 'models', 'scorer', 'model.onnx'), body);
    const delta = (name: string, match: Record<string, string> = {}) => total(after, name, match) - total(before, name, match);
    const perRowMs = 1000 * total(after, 'mlservice_batch_cost_per_row_seconds');
    const fixedMs = 1000 * total(after, 'mlservice_batch_cost_fixed_seconds');
    const batches = delta('mlservice_inference_duration_seconds_count');
    const ok = run.byStatus.get(200) ?? [];
    const refused = run.byStatus.get(503) ?? [];
    // Refusals when a queued request's budget ran out waited that budget; the rest were made on arrival.
    const expired = delta('mlservice_shed_requests_total', { reason: 'queue_expired' });
    const onArrival = [...refused].sort((a, b) => a - b).slice(0, Math.max(0, refused.length - expired));
    const report: OverloadReport = {
      setup: {
        machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, 1-min load average ${load0} before the overload`,
        service: `generated service, MLP ${MODEL.dim} -> ${MODEL.hidden.join(' -> ')} -> 1, batching maxBatchSize ${BATCHING.maxBatchSize}, maxLatencyMs ${BATCHING.maxLatencyMs}, queueBudgetMs ${budgetMs}, LOG_LEVEL ${process.env.BENCH_LOG_LEVEL ?? 'info'}, MLSERVICE_INFERENCE_THREAD ${thread}: the model ran on the ${placed.inferenceThread === 'worker' ? `worker thread at nice ${placed.inferenceNice ?? 'unknown'}` : 'event-loop thread'}${placed.fullBatchMs === null ? '' : ` (a full batch took ${placed.fullBatchMs.toFixed(2)} ms there at start-up)`}`,
        load: run.open
          ? `open loop (bench/open-loop.ts) in-process: ${rate.toFixed(0)} req/s due on a fixed schedule (${FACTOR}x sustainable) for ${SECONDS} s over at most ${CONNECTIONS} keep-alive connections, latency from when each request was due, deadline ${DEADLINE_SECONDS} s; ${run.open.due} due, ${run.open.queuedAtClient} found every connection busy and waited for one; p99 from writing the request: 200s ${percentile(run.open.serverByStatus.get(200) ?? [], 99).toFixed(1)} ms, refusals ${percentile(run.open.serverByStatus.get(503) ?? [], 99).toFixed(2)} ms`
          : `autocannon in-process, ${CONNECTIONS} connections, overallRate ${rate.toFixed(0)} req/s (${FACTOR}x sustainable), ${SECONDS} s, timeout ${DEADLINE_SECONDS} s: at this rate a closed loop (autocannon's overallRate is a per-connection quota per second, see bench/open-loop.ts)`,
        cores: CPUS.pinned
          ? `load generator on CPU 0, servers on CPU ${CPUS.serviceCpus} (taskset), onnxruntime intra-op threads ${ortThreads}`
          : `not pinned: load generator and servers share CPUs ${CPUS.serviceCpus}, onnxruntime intra-op threads ${ortThreads}`,
        sustainable: `${sustainable.toFixed(0)} req/s of 200s, the higher of two closed loops at ${SUSTAIN_CONNECTIONS} connections for ${SUSTAIN_SECONDS} s, before the overload (${okRate(sustainBefore.run).toFixed(0)}, which set the offered rate) and after it (${okRate(sustainAfter.run).toFixed(0)}); refusals meanwhile ${count(sustainBefore.run, 503) + count(sustainAfter.run, 503)}`,
      },
      sustainableRps: sustainable,
      offeredRps: rate,
      connections: run.connectionsUsed,
      connectionsAnswered: run.connectionsAnswered,
      seconds: run.seconds,
      statuses: Object.fromEntries([...run.byStatus].map(([s, l]) => [String(s), l.length])),
      okRps: ok.length / run.seconds,
      okP50Ms: percentile(ok, 50),
      okP99Ms: percentile(ok, 99),
      refusedP50Ms: percentile(refused, 50),
      refusedP99Ms: percentile(refused, 99),
      refusedOnArrivalP99Ms: percentile(onArrival, 99),
      timeouts: run.timeouts,
      socketErrors: run.socketErrors,
      queueBudgetMs: budgetMs,
      oneBatchMs: perRowMs * BATCHING.maxBatchSize + fixedMs,
      batchCost: { perRowMs, fixedMs },
      meanBatchRows: batches > 0 ? delta('mlservice_batch_size_sum') / batches : 0,
      meanInferenceMs: batches > 0 ? (1000 * delta('mlservice_inference_duration_seconds_sum')) / batches : 0,
      shed: {
        queue_budget: delta('mlservice_shed_requests_total', { reason: 'queue_budget' }),
        queue_expired: expired,
        queue_full: delta('mlservice_shed_requests_total', { reason: 'queue_full' }),
        client_gone: delta('mlservice_shed_requests_total', { reason: 'client_gone' }),
      },
      server: {
        received: delta('mlservice_request_duration_seconds_count'),
        within100ms: delta('mlservice_request_duration_seconds_bucket', { le: '0.1' }),
        within250ms: delta('mlservice_request_duration_seconds_bucket', { le: '0.25' }),
        over1s: delta('mlservice_request_duration_seconds_count') - delta('mlservice_request_duration_seconds_bucket', { le: '1' }),
      },
      cpuCores: { server: serverCpu / run.seconds, client: (clientCpu.user + clientCpu.system) / 1e6 / run.seconds },
      baseline,
      refusalFloor: { serviceUsPer200: sustain.cpuPerAnswerUs, floorUsPerRefusal: floorUs, serverCores: CPUS.serviceCores, factor: FACTOR },
      peakRssMiB: (await server.peakRssKiB()) / 1024,
      crashed: !alive(server.pid),
      afterLoadStatus: single.status,
    };
    const out = process.env.BENCH_OUT ?? join(REPO, 'bench', 'results');
    await mkdir(out, { recursive: true });
    const md = overloadMarkdown(report);
    await writeFile(join(out, `overload${LOAD === 'open' ? '-open' : ''}${thread === 'auto' ? '' : `-${thread}`}.md`), md);
    console.log(md);
  } finally {
    await server.stop();
    await project.cleanup();
  }
}

await main();
