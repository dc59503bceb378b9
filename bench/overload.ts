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
 * Load: autocannon in this process (wrk's Lua API has no per-response latency, and the 200s and
 * the refusals need separate percentiles), `overallRate` spread over BENCH_CONNECTIONS
 * connections, `timeout: 2` (a request unanswered for 2 s is dropped and counted, as a caller with
 * a deadline does). Client and server share this machine's cores: run it on a quiet machine.
 *
 * Env: BENCH_SECONDS (60) of overload; BENCH_SUSTAINABLE_RPS (else measured: closed loop of
 * BENCH_SUSTAIN_CONNECTIONS=64 for BENCH_SUSTAIN_SECONDS=10 after a 3 s warm-up, 200s per second);
 * BENCH_CONNECTIONS (1024); BENCH_OVERLOAD_FACTOR (2); BENCH_QUEUE_BUDGET_MS (the config default);
 * BENCH_LOG_LEVEL (info, the service's default); BENCH_INFERENCE_THREAD (main, the runtime's
 * default, or worker: MLSERVICE_INFERENCE_THREAD; on `main` a refusal waits for the batch that is
 * computing on the event-loop thread); BENCH_OUT (bench/results).
 * Writes bench/results/overload.md. Figures only: nothing here fails on a missed target.
 */
import { createRequire } from 'node:module';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { buildMlp, seededRandom } from '../testkit/onnx-builder.js';
import { total } from '../testkit/metrics.js';
import { percentile } from '../testkit/stats.js';
import { loadAverage } from './serve-load.js';
import { benchModel, generatedProject, REPO, startServer, type Batching } from './serve-servers.js';
import { overloadMarkdown, type OverloadReport } from './overload-report.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 1024);
const FACTOR = Number(process.env.BENCH_OVERLOAD_FACTOR ?? 2);
const SUSTAIN_CONNECTIONS = Number(process.env.BENCH_SUSTAIN_CONNECTIONS ?? 64);
const SUSTAIN_SECONDS = Number(process.env.BENCH_SUSTAIN_SECONDS ?? 10);
const DEADLINE_SECONDS = 2;
const MODEL = { dim: 256, hidden: [1024, 1024] };
const BATCHING: Batching = { enabled: true, maxBatchSize: 64, maxLatencyMs: 2, ...(process.env.BENCH_QUEUE_BUDGET_MS ? { queueBudgetMs: Number(process.env.BENCH_QUEUE_BUDGET_MS) } : {}) };

/** The slice of autocannon's API used here (the package ships no types). */
type Autocannon = (opts: Record<string, unknown>) => NodeJS.EventEmitter & PromiseLike<{ timeouts: number; errors: number; statusCodeStats: Record<string, { count: number }> }>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Run {
  byStatus: Map<number, number[]>;
  timeouts: number;
  socketErrors: number;
  seconds: number;
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
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (!byStatus.has(status)) byStatus.set(status, []);
    byStatus.get(status)!.push(ms);
  });
  const result = await instance;
  return { byStatus, timeouts: result.timeouts, socketErrors: result.errors - result.timeouts, seconds: (performance.now() - started) / 1000 };
}

const count = (r: Run, status: number) => r.byStatus.get(status)?.length ?? 0;

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
  console.log('generating and compiling the service (large MLP)');
  const project = await generatedProject(MODEL.dim, BATCHING, buildMlp({ inputName: 'input', inputDim: MODEL.dim, hidden: MODEL.hidden, seed: MODEL.dim }));
  const thread = process.env.BENCH_INFERENCE_THREAD ?? 'main';
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const server = await startServer('dist/main.js', project.dir, { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', MLSERVICE_INFERENCE_THREAD: thread }, nodeArgs);
  const url = `${server.base}/v1/score`;
  try {
    // The budget the generated service was configured with: the normalized config's value.
    const budgetMs = benchModel(MODEL.dim, BATCHING).endpoints[0]!.batching.queueBudgetMs;
    let sustainable = Number(process.env.BENCH_SUSTAINABLE_RPS ?? 0);
    let sustainRun: Run | null = null;
    if (!sustainable) {
      await drive(url, body, { connections: SUSTAIN_CONNECTIONS, seconds: 3 });
      sustainRun = await drive(url, body, { connections: SUSTAIN_CONNECTIONS, seconds: SUSTAIN_SECONDS });
      sustainable = count(sustainRun, 200) / sustainRun.seconds;
    }
    const rate = FACTOR * sustainable;
    console.log(`sustainable ${sustainable.toFixed(0)} req/s; overload at ${rate.toFixed(0)} req/s from ${CONNECTIONS} connections for ${SECONDS} s`);
    const before = await metrics(server.base);
    const load0 = await loadAverage();
    const serverCpu0 = await server.cpuSeconds();
    const clientCpu0 = process.cpuUsage();
    const run = await drive(url, body, { connections: CONNECTIONS, seconds: SECONDS, rate, timeout: DEADLINE_SECONDS });
    const clientCpu = process.cpuUsage(clientCpu0);
    const serverCpu = (await server.cpuSeconds()) - serverCpu0;
    const after = await metrics(server.base);
    const single = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const delta = (name: string, match: Record<string, string> = {}) => total(after, name, match) - total(before, name, match);
    const perRowMs = 1000 * total(after, 'mlservice_batch_cost_per_row_seconds');
    const fixedMs = 1000 * total(after, 'mlservice_batch_cost_fixed_seconds');
    const batches = delta('mlservice_inference_duration_seconds_count');
    const ok = run.byStatus.get(200) ?? [];
    const refused = run.byStatus.get(503) ?? [];
    const report: OverloadReport = {
      setup: {
        machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, 1-min load average ${load0} before the overload`,
        service: `generated service, large MLP ${MODEL.dim} -> ${MODEL.hidden.join(' -> ')} -> 1, batching maxBatchSize ${BATCHING.maxBatchSize}, maxLatencyMs ${BATCHING.maxLatencyMs}, queueBudgetMs ${budgetMs}, LOG_LEVEL ${process.env.BENCH_LOG_LEVEL ?? 'info'}, MLSERVICE_INFERENCE_THREAD ${thread}`,
        load: `autocannon in-process, ${CONNECTIONS} connections, overallRate ${rate.toFixed(0)} req/s (${FACTOR}x sustainable), ${SECONDS} s, timeout ${DEADLINE_SECONDS} s`,
        sustainable: sustainRun
          ? `${sustainable.toFixed(0)} req/s of 200s, measured closed loop at ${SUSTAIN_CONNECTIONS} connections for ${SUSTAIN_SECONDS} s (${count(sustainRun, 503)} refusals meanwhile)`
          : `${sustainable.toFixed(0)} req/s (BENCH_SUSTAINABLE_RPS)`,
      },
      sustainableRps: sustainable,
      offeredRps: rate,
      seconds: run.seconds,
      statuses: Object.fromEntries([...run.byStatus].map(([s, l]) => [String(s), l.length])),
      okRps: ok.length / run.seconds,
      okP50Ms: percentile(ok, 50),
      okP99Ms: percentile(ok, 99),
      refusedP50Ms: percentile(refused, 50),
      refusedP99Ms: percentile(refused, 99),
      timeouts: run.timeouts,
      socketErrors: run.socketErrors,
      queueBudgetMs: budgetMs,
      oneBatchMs: perRowMs * BATCHING.maxBatchSize + fixedMs,
      batchCost: { perRowMs, fixedMs },
      meanBatchRows: batches > 0 ? delta('mlservice_batch_size_sum') / batches : 0,
      meanInferenceMs: batches > 0 ? (1000 * delta('mlservice_inference_duration_seconds_sum')) / batches : 0,
      shed: {
        queue_budget: delta('mlservice_shed_requests_total', { reason: 'queue_budget' }),
        queue_expired: delta('mlservice_shed_requests_total', { reason: 'queue_expired' }),
        queue_full: delta('mlservice_shed_requests_total', { reason: 'queue_full' }),
        client_gone: delta('mlservice_shed_requests_total', { reason: 'client_gone' }),
      },
      server: {
        received: delta('mlservice_request_duration_seconds_count'),
        within250ms: delta('mlservice_request_duration_seconds_bucket', { le: '0.25' }),
        over1s: delta('mlservice_request_duration_seconds_count') - delta('mlservice_request_duration_seconds_bucket', { le: '1' }),
      },
      cpuCores: { server: serverCpu / run.seconds, client: (clientCpu.user + clientCpu.system) / 1e6 / run.seconds },
      peakRssMiB: (await server.peakRssKiB()) / 1024,
      crashed: !alive(server.pid),
      afterLoadStatus: single.status,
    };
    const out = process.env.BENCH_OUT ?? join(REPO, 'bench', 'results');
    await mkdir(out, { recursive: true });
    const md = overloadMarkdown(report);
    await writeFile(join(out, 'overload.md'), md);
    console.log(md);
  } finally {
    await server.stop();
    await project.cleanup();
  }
}

await main();
