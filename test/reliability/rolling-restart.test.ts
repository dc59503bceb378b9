/**
 * Rolling restart with zero failed requests: three real generated-service processes behind a
 * round-robin proxy that routes only to instances whose /readyz passes (polled every 200 ms, the
 * role Kubernetes endpoints play; no cluster runs here). Under steady load at half the rate the
 * three sustain on this machine (measured first, closed loop), instances are restarted one by one
 * as the kubelet terminates a pod: the preStop sleep, SIGTERM, SIGKILL if the grace period runs
 * out, then a new process on the same port, routed to once ready. Every timing comes from the
 * rendered chart and the normalized config (support/drain-timings.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileService, spawnService, type CompiledService, type ServiceProcess } from '../support/live-service.js';
import { freePort } from '../../testkit/net.js';
import { drainTimings, type DrainTimings } from './support/drain-timings.js';
import { closedLoop, HttpClient, openLoop } from './support/load.js';
import { report, SCALE } from './support/mode.js';
import { RoundRobinProxy } from './support/round-robin-proxy.js';
import { SCORER_YAML, scoreRequest, writeScorerModel } from './support/services.js';
import { round } from '../../testkit/stats.js';

/** The proxy's readiness poll: the 200 ms, or the chart's probe period if that is shorter. */
const POLL_LIMIT_MS = 200;
const INSTANCES = 3;

interface Restart {
  instance: number;
  /** SIGTERM -> the proxy's first failed probe of it. */
  unroutedMs: number;
  /** SIGTERM -> process exit. */
  exitMs: number;
  exitCode: number | null;
  killed: boolean;
  /** Start of the new process -> routed to again. */
  readyMs: number;
}

describe('rolling restart behind a readiness-polling round-robin proxy (models Kubernetes endpoints; no cluster)', () => {
  let project: CompiledService;
  let timings: DrainTimings;
  const procs: ServiceProcess[] = [];
  let proxy: RoundRobinProxy;
  let base: string;
  let pollMs: number;

  beforeAll(async () => {
    project = await compileService({ yaml: SCORER_YAML, models: writeScorerModel });
    timings = drainTimings(project.model);
    pollMs = Math.min(POLL_LIMIT_MS, timings.readiness.periodMs);
    const ports = await Promise.all(Array.from({ length: INSTANCES }, () => freePort()));
    for (const port of ports) procs.push(await spawnService(project.dir, { port }));
    await Promise.all(procs.map((p) => p.ready()));
    proxy = new RoundRobinProxy(ports, pollMs);
    base = await proxy.start();
    await Promise.all(ports.map((_, i) => proxy.routable(i)));
  });

  afterAll(async () => {
    await proxy?.close();
    for (const p of procs) p.child.kill('SIGKILL');
    await project?.cleanup();
  });

  /** Terminates instance `i` as the kubelet does, starts its successor and waits until it is routed to. */
  async function restart(i: number): Promise<Restart> {
    const old = procs[i]!;
    await sleep(timings.preStopMs);
    const term = performance.now();
    old.child.kill('SIGTERM');
    const deadline = sleep(timings.graceMs - timings.preStopMs).then(() => 'deadline' as const);
    let killed = false;
    if ((await Promise.race([old.exited, deadline])) === 'deadline') {
      killed = true;
      old.child.kill('SIGKILL');
    }
    const { code } = await old.exited;
    const exitMs = performance.now() - term;
    const unrouted = proxy.changes.find((c) => c.backend === i && !c.routable && c.at >= term);
    const started = performance.now();
    procs[i] = await spawnService(project.dir, { port: old.port });
    await proxy.routable(i);
    return { instance: i, unroutedMs: unrouted ? unrouted.at - term : Number.NaN, exitMs, exitCode: code, killed, readyMs: performance.now() - started };
  }

  it(`restarts instances one by one ${SCALE.restarts} times under half the sustainable rate with zero failed requests`, async () => {
    // The proxy must stop routing to a draining instance before it stops accepting connections.
    expect(timings.lingerMs).toBeGreaterThan(pollMs);
    const client = new HttpClient(base);
    let n = 0;
    const next = () => scoreRequest(n++);
    await closedLoop(client, next, 32, 1); // warm the connections and the JIT
    const burst = await closedLoop(client, next, 32, SCALE.rateSeconds);
    const sustainable = burst.rate;
    expect(burst.tally.failed).toBe(0);

    const load = openLoop(client, next, sustainable / 2);
    const restarts: Restart[] = [];
    for (let k = 0; k < SCALE.restarts; k++) restarts.push(await restart(k % INSTANCES));
    await sleep(1000); // the last instance takes traffic again
    load.stop();
    const tally = await load.done;
    client.close();

    report('rolling-restart', {
      sustainableRps: round(sustainable),
      loadRps: round(sustainable / 2),
      requests: tally.total,
      unsentClientBehind: tally.unsent,
      failed: tally.failed,
      statuses: tally.statuses(),
      latencyMs: Object.fromEntries(Object.entries(tally.latency()).map(([k, v]) => [k, round(v)])),
      restarts: restarts.length,
      sigkills: restarts.filter((r) => r.killed).length,
      timings,
      proxyPollMs: pollMs,
      unroutedMsMax: round(Math.max(...restarts.map((r) => r.unroutedMs))),
      exitMsMax: round(Math.max(...restarts.map((r) => r.exitMs))),
      readyMsMax: round(Math.max(...restarts.map((r) => r.readyMs))),
      perBackend: proxy.backends.map((b) => b.forwarded),
      proxyUpstreamErrors: proxy.upstreamErrors.length,
    });
    expect(tally.failureLines()).toEqual([]);
    expect(tally.failed).toBe(0);
    // The load was applied: a load generator that fell behind its schedule would test a lighter load.
    expect(tally.unsent).toBeLessThanOrEqual(Math.ceil((tally.total + tally.unsent) / 100));
    expect(proxy.upstreamErrors).toEqual([]);
    expect(restarts.map((r) => [r.exitCode, r.killed])).toEqual(restarts.map(() => [0, false]));
    // Every instance took traffic, and the proxy saw each SIGTERM'd instance fail readiness.
    expect(proxy.backends.every((b) => b.forwarded > 0)).toBe(true);
    expect(restarts.filter((r) => Number.isNaN(r.unroutedMs))).toEqual([]);
  });
});
