/**
 * Soak: one generated-service process under steady open-loop load at half the rate it sustains on
 * this machine (measured first, closed loop), for 30 s (bounded) or 10 min (long). On 2 or more
 * cores the load (this test process) runs on CPU 0 and the service on the others
 * (testkit/cpu-split.ts): sharing them, a 10-minute run's client fell 745,228 requests behind its
 * schedule (p99 2.5 s), so "half the rate" was neither half nor steady. Its resident memory is
 * read from /proc every second and fitted by least squares after a warm-up; the
 * event-loop lag p99 comes from the service's own /metrics (prom-client's
 * `nodejs_eventloop_lag_p99_seconds`, a histogram reset at each scrape), scraped every 5 s as
 * Prometheus would, with the V8 heap in use from the same scrape. No request may fail.
 *
 * What "no upward trend" is judged on (long run): RSS follows the size V8 reserves for its heap,
 * which grows for minutes at a steady load and shrinks at a memory-reducing GC (a 4-minute
 * diagnostic run: RSS 133 -> 140 MiB, down to 117 at a shrink, back to 143, while the heap in use
 * after each GC stayed at 19-20 MiB). A least-squares slope of RSS over 10 minutes lands wherever
 * that sawtooth's phase puts it (-0.03 and +1.14 MiB/min in two runs without a leak). A leak grows
 * what survives GC: the floor of the heap in use (its minimum in each minute, where a collection
 * has run) must not rise by HEAP_FLOOR_SLOPE_LIMIT per minute (a leak of 1 KiB per request would
 * rise by ~170 MiB/min at this rate), and the peak RSS of the last minute must stay within
 * RSS_GROWTH_LIMIT of the peak of the first minute after warm-up (peaks: both sides of the
 * sawtooth's top). The raw RSS slope is reported, as the issue asks.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allCpus, cpuSplit, pinProcess } from '../../testkit/cpu-split.js';
import { quantileBound } from '../../testkit/metrics.js';
import { compileService, spawnService, type CompiledService, type ServiceProcess } from '../support/live-service.js';
import { closedLoop, HttpClient, openLoop } from './support/load.js';
import { LONG, report, SCALE } from './support/mode.js';
import { SCORER_YAML, scoreRequest, writeScorerModel } from './support/services.js';
import { percentile, round, slope } from '../../testkit/stats.js';

/** MiB per minute by which the per-minute floor of the V8 heap in use may rise (long run). */
const HEAP_FLOOR_SLOPE_LIMIT = 0.5;
/** Peak RSS of the last minute over that of the first minute after warm-up, at most (long run). */
const RSS_GROWTH_LIMIT = 1.15;

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) / 1024;
}

/** One scrape: its text, event-loop lag p99 and max (seconds; the histogram resets at each scrape) and the V8 heap in use (MiB). */
async function scrape(base: string): Promise<{ text: string; lagP99: number; lagMax: number; heapUsedMiB: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return {
    text,
    lagP99: Number(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text)![1]),
    lagMax: Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)![1]),
    heapUsedMiB: Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)![1]) / 1048576,
  };
}

/** The minimum of each whole minute's samples ([minute, value] pairs), as [minute index, minimum]. */
function perMinuteFloor(samples: ReadonlyArray<[number, number]>): Array<[number, number]> {
  const floors = new Map<number, number>();
  for (const [min, v] of samples) floors.set(Math.floor(min), Math.min(floors.get(Math.floor(min)) ?? Number.POSITIVE_INFINITY, v));
  return [...floors];
}

describe(`soak: ${SCALE.soakSeconds} s at half the sustainable rate`, () => {
  let project: CompiledService;
  let proc: ServiceProcess;
  const cpus = cpuSplit();

  beforeAll(async () => {
    project = await compileService({ yaml: SCORER_YAML, models: writeScorerModel });
    proc = await spawnService(project.dir, { env: { MLSERVICE_ORT_THREADS: String(cpus.ortThreads) } });
    if (cpus.pinned) {
      pinProcess(proc.child.pid!, cpus.serviceCpus);
      pinProcess(process.pid, cpus.clientCpus);
    }
    await proc.ready();
  });

  afterAll(async () => {
    // The suite's later files run in this process (isolate: false): give it every CPU back.
    if (cpus.pinned) pinProcess(process.pid, allCpus());
    proc?.child.kill('SIGKILL');
    await project?.cleanup();
  });

  it('answers every request; RSS is sampled every second and its trend reported (asserted flat in the long run); event-loop lag p99 reported', async () => {
    const client = new HttpClient(proc.base);
    let n = 0;
    const next = () => scoreRequest(n++);
    // Every socket the client may open is opened first, as a caller's pool is in steady state, so
    // the soak does not include connection set-up.
    await closedLoop(client, next, 256, 1);
    // The same loop moved by up to 1.7x between back-to-back runs on the 2-core VM: the higher of two.
    const sustainable = Math.max((await closedLoop(client, next, 32, SCALE.rateSeconds)).rate, (await closedLoop(client, next, 32, SCALE.rateSeconds)).rate);
    const { text: metricsBefore } = await scrape(proc.base); // resets the lag histogram: the burst is not part of the soak

    const rss: Array<[number, number]> = [];
    const heap: Array<[number, number]> = [];
    const lags: number[] = [];
    const lagMaxes: number[] = [];
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const load = openLoop(client, next, sustainable / 2, SCALE.soakSeconds);
    let ended = false;
    void load.done.then(() => (ended = true));
    for (let tick = 1; !ended; tick++) {
      await sleep(t0 + tick * 1000 - performance.now());
      rss.push([(performance.now() - t0) / 60_000, await rssMiB(proc.child.pid!)]);
      if (tick % 5 === 0) {
        const { lagP99, lagMax, heapUsedMiB } = await scrape(proc.base);
        lags.push(lagP99);
        lagMaxes.push(lagMax);
        heap.push([(performance.now() - t0) / 60_000, heapUsedMiB]);
      }
    }
    const tally = await load.done;
    const { text: metricsAfter } = await scrape(proc.base);
    const serviceBound = (q: number) => quantileBound(metricsBefore, metricsAfter, 'mlservice_request_duration_seconds', q) * 1000;
    const clientCpu = process.cpuUsage(cpu0);
    const clientCpuShare = (clientCpu.user + clientCpu.system) / 1000 / (performance.now() - t0);
    client.close();

    // The first sixth (10 s bounded, 100 s long) is warm-up: JIT, heap growth to its working size.
    const steady = rss.filter(([min]) => min * 60 >= SCALE.soakSeconds / 6);
    const rssSlope = slope(
      steady.map(([m]) => m),
      steady.map(([, r]) => r),
    );
    const warm = SCALE.soakSeconds / 6 / 60;
    const heapFloors = perMinuteFloor(heap.filter(([min]) => min >= warm));
    // Whole minutes only (the last partial minute may hold no collection); at least two to fit.
    const fullFloors = heapFloors.filter(([m]) => m + 1 <= SCALE.soakSeconds / 60);
    const heapFloorSlope =
      fullFloors.length >= 2
        ? slope(
            fullFloors.map(([m]) => m),
            fullFloors.map(([, v]) => v),
          )
        : Number.NaN;
    const peakWithin = (from: number, to: number) => Math.max(...steady.filter(([m]) => m >= from && m < to).map(([, r]) => r));
    const rssGrowth = peakWithin(SCALE.soakSeconds / 60 - 1, Number.POSITIVE_INFINITY) / peakWithin(warm, warm + 1);
    const figures = {
      cpus: cpus.describe,
      sustainableRps: round(sustainable),
      loadRps: round(sustainable / 2),
      seconds: SCALE.soakSeconds,
      requests: tally.total,
      achievedRps: round(tally.total / SCALE.soakSeconds),
      unsentClientBehind: tally.unsent,
      // Of one core: near 1, the latencies below include the load generator's own queueing.
      loadGeneratorCpuShare: round(clientCpuShare, 2),
      failed: tally.failed,
      // At the client: includes the load generator's own delays (its event loop, sockets queued in its agent).
      latencyMs: Object.fromEntries(Object.entries(tally.latency()).map(([k, v]) => [k, round(v)])),
      // By the service's own histogram, from reading a request to its answer: the bucket bound its p50 / p99 are under.
      serviceLatencyBoundMs: { p50: serviceBound(0.5), p99: serviceBound(0.99) },
      rssSamples: rss.length,
      rssMiB: { first: round(rss[0]![1]), afterWarmUp: round(steady[0]![1]), last: round(rss.at(-1)![1]), peak: round(Math.max(...rss.map(([, r]) => r))) },
      rssSlopeMiBPerMin: round(rssSlope, 3),
      rssLastMinutePeakOverFirst: round(rssGrowth, 3),
      heapUsedFloorMiBPerMinute: fullFloors.map(([, v]) => round(v)),
      heapUsedFloorSlopeMiBPerMin: round(heapFloorSlope, 3),
      eventLoopLagP99Ms: { median: round(percentile(lags, 50) * 1000, 2), max: round(Math.max(...lags) * 1000, 2), scrapes: lags.length },
      // The longest event-loop stall in each scrape's window: a request that arrives then waits to be read.
      eventLoopLagMaxMs: { median: round(percentile(lagMaxes, 50) * 1000, 2), max: round(Math.max(...lagMaxes) * 1000, 2) },
    };
    report('soak', figures);
    expect(tally.failureLines()).toEqual([]);
    expect(tally.failed).toBe(0);
    // The load was applied: a load generator that fell behind its schedule would test a lighter load.
    expect(tally.unsent).toBeLessThanOrEqual(Math.ceil((tally.total + tally.unsent) / 100));
    expect(proc.child.exitCode).toBeNull();
    expect(rss.length).toBeGreaterThanOrEqual(SCALE.soakSeconds - 1);
    if (LONG) {
      expect(heapFloorSlope).toBeLessThan(HEAP_FLOOR_SLOPE_LIMIT);
      expect(rssGrowth).toBeLessThan(RSS_GROWTH_LIMIT);
    }
  });
});
