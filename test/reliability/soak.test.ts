/**
 * Soak: one generated-service process under steady open-loop load at half the rate it sustains on
 * this machine (measured first, closed loop), for 60 s (bounded) or 10 min (long). Its resident
 * memory is read from /proc every second and fitted by least squares after a warm-up; the
 * event-loop lag p99 comes from the service's own /metrics (prom-client's
 * `nodejs_eventloop_lag_p99_seconds`, a histogram reset at each scrape), scraped every 5 s as
 * Prometheus would. No request may fail; in the long run the RSS slope must stay under
 * RSS_SLOPE_LIMIT (a leak of one 1 KiB object per request would show as about 50 MiB/min here).
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileService, spawnService, type CompiledService, type ServiceProcess } from '../support/live-service.js';
import { closedLoop, HttpClient, openLoop } from './support/load.js';
import { LONG, report, SCALE } from './support/mode.js';
import { SCORER_YAML, scoreRequest, writeScorerModel } from './support/services.js';
import { percentile, round, slope } from '../../testkit/stats.js';

/** MiB per minute of RSS growth, after warm-up, that the long soak tolerates. */
const RSS_SLOPE_LIMIT = 1;

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) / 1024;
}

async function lagP99Seconds(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text)![1]);
}

describe(`soak: ${SCALE.soakSeconds} s at half the sustainable rate`, () => {
  let project: CompiledService;
  let proc: ServiceProcess;

  beforeAll(async () => {
    project = await compileService({ yaml: SCORER_YAML, models: writeScorerModel });
    proc = await spawnService(project.dir);
    await proc.ready();
  });

  afterAll(async () => {
    proc?.child.kill('SIGKILL');
    await project?.cleanup();
  });

  it('answers every request; RSS is sampled every second and its trend reported (asserted flat in the long run); event-loop lag p99 reported', async () => {
    const client = new HttpClient(proc.base);
    let n = 0;
    const next = () => scoreRequest(n++);
    await closedLoop(client, next, 32, 1);
    const { rate: sustainable } = await closedLoop(client, next, 32, SCALE.rateSeconds);
    await lagP99Seconds(proc.base); // resets the lag histogram: the burst is not part of the soak

    const rss: Array<[number, number]> = [];
    const lags: number[] = [];
    const t0 = performance.now();
    const load = openLoop(client, next, sustainable / 2, SCALE.soakSeconds);
    let ended = false;
    void load.done.then(() => (ended = true));
    for (let tick = 1; !ended; tick++) {
      await sleep(t0 + tick * 1000 - performance.now());
      rss.push([(performance.now() - t0) / 60_000, await rssMiB(proc.child.pid!)]);
      if (tick % 5 === 0) lags.push(await lagP99Seconds(proc.base));
    }
    const tally = await load.done;
    client.close();

    // The first sixth (10 s bounded, 100 s long) is warm-up: JIT, heap growth to its working size.
    const steady = rss.filter(([min]) => min * 60 >= SCALE.soakSeconds / 6);
    const rssSlope = slope(steady.map(([m]) => m), steady.map(([, r]) => r));
    const figures = {
      sustainableRps: round(sustainable),
      loadRps: round(sustainable / 2),
      seconds: SCALE.soakSeconds,
      requests: tally.total,
      achievedRps: round(tally.total / SCALE.soakSeconds),
      unsentClientBehind: tally.unsent,
      failed: tally.failed,
      latencyMs: Object.fromEntries(Object.entries(tally.latency()).map(([k, v]) => [k, round(v)])),
      rssSamples: rss.length,
      rssMiB: { first: round(rss[0]![1]), afterWarmUp: round(steady[0]![1]), last: round(rss.at(-1)![1]), peak: round(Math.max(...rss.map(([, r]) => r))) },
      rssSlopeMiBPerMin: round(rssSlope, 3),
      eventLoopLagP99Ms: { median: round(percentile(lags, 50) * 1000, 2), max: round(Math.max(...lags) * 1000, 2), scrapes: lags.length },
    };
    report('soak', figures);
    expect(tally.failureLines()).toEqual([]);
    expect(tally.failed).toBe(0);
    expect(proc.child.exitCode).toBeNull();
    expect(rss.length).toBeGreaterThanOrEqual(SCALE.soakSeconds - 1);
    if (LONG) expect(rssSlope).toBeLessThan(RSS_SLOPE_LIMIT);
  });
});
