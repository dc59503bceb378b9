/**
 * Load for `npm run bench:serve`: wrk in its own process (autocannon when wrk is missing), POSTing
 * one JSON row per request, plus the readings taken around each cell (service metrics, CPU, load).
 * @see https://github.com/wg/wrk/blob/master/SCRIPTING
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SERVERS_DIR } from './serve-servers.js';

const run = promisify(execFile);

export interface LoadResult {
  tool: 'wrk' | 'autocannon';
  requests: number;
  seconds: number;
  reqPerSec: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Socket errors (connect, read, write, timeout). */
  socketErrors: number;
  /** Responses with status >= 400 (wrk counts these as status errors). */
  non2xx: number;
}

export const hasWrk = spawnSync('sh', ['-c', 'command -v wrk']).status === 0;

async function runWrk(url: string, bodyFile: string, connections: number, seconds: number): Promise<LoadResult> {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(SERVERS_DIR, 'post.lua'), url];
  const { stdout } = await run('wrk', args, { env: { ...process.env, BENCH_BODY_FILE: bodyFile }, maxBuffer: 1 << 20 });
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
  const s = JSON.parse(line.slice('BENCH_JSON '.length)) as {
    requests: number;
    durationUs: number;
    p50Us: number;
    p90Us: number;
    p99Us: number;
    maxUs: number;
    errors: { connect: number; read: number; write: number; status: number; timeout: number };
  };
  const secs = s.durationUs / 1e6;
  return {
    tool: 'wrk',
    requests: s.requests,
    seconds: secs,
    reqPerSec: s.requests / secs,
    p50Ms: s.p50Us / 1000,
    p90Ms: s.p90Us / 1000,
    p99Ms: s.p99Us / 1000,
    maxMs: s.maxUs / 1000,
    socketErrors: s.errors.connect + s.errors.read + s.errors.write + s.errors.timeout,
    non2xx: s.errors.status,
  };
}

async function runAutocannon(url: string, bodyFile: string, connections: number, seconds: number): Promise<LoadResult> {
  const bin = join(SERVERS_DIR, '..', '..', 'node_modules', '.bin', 'autocannon');
  const body = await readFile(bodyFile, 'utf8');
  const args = ['-j', '-c', String(connections), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', '-b', body, url];
  const { stdout } = await run(bin, args, { maxBuffer: 1 << 24 });
  const r = JSON.parse(stdout) as {
    duration: number;
    latency: { p50: number; p90: number; p99: number; max: number };
    requests: { total: number };
    errors: number;
    timeouts: number;
    non2xx: number;
  };
  return {
    tool: 'autocannon',
    requests: r.requests.total,
    seconds: r.duration,
    reqPerSec: r.requests.total / r.duration,
    p50Ms: r.latency.p50,
    p90Ms: r.latency.p90,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    socketErrors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

/** One fixed-duration load run against `url`. */
export function load(url: string, bodyFile: string, connections: number, seconds: number): Promise<LoadResult> {
  return hasWrk ? runWrk(url, bodyFile, connections, seconds) : runAutocannon(url, bodyFile, connections, seconds);
}

/** Sums and counts of the runtime's histograms that explain where a request's time goes. */
export interface ServiceCounters {
  batchRows: number;
  batches: number;
  inferenceSeconds: number;
  queueWaitSeconds: number;
  queueWaits: number;
}

function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Reads the histograms from the service's /metrics (one model per bench service). */
export async function serviceCounters(base: string): Promise<ServiceCounters> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return {
    batchRows: metricValue(text, 'mlservice_batch_size_sum'),
    batches: metricValue(text, 'mlservice_batch_size_count'),
    inferenceSeconds: metricValue(text, 'mlservice_inference_duration_seconds_sum'),
    queueWaitSeconds: metricValue(text, 'mlservice_queue_wait_seconds_sum'),
    queueWaits: metricValue(text, 'mlservice_queue_wait_seconds_count'),
  };
}

export function diffCounters(a: ServiceCounters, b: ServiceCounters): ServiceCounters {
  return {
    batchRows: b.batchRows - a.batchRows,
    batches: b.batches - a.batches,
    inferenceSeconds: b.inferenceSeconds - a.inferenceSeconds,
    queueWaitSeconds: b.queueWaitSeconds - a.queueWaitSeconds,
    queueWaits: b.queueWaits - a.queueWaits,
  };
}

/** The 1-minute load average. */
export async function loadAverage(): Promise<number> {
  return Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]);
}

/** Busy and total jiffies of the whole machine, to see how saturated the 2 cores were. */
export async function hostCpu(): Promise<{ busy: number; total: number }> {
  const fields = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = fields[3]! + fields[4]!;
  return { busy: total - idle, total };
}
