/**
 * Overload is shed, not queued: a generated-service process on a heavy MLP (services.ts
 * writeHeavyModel, one onnxruntime thread, so inference and not HTTP is what runs out) with the
 * default batching and a 50 ms queue budget (services.ts OVERLOAD_BUDGET_MS), driven by far more
 * concurrent connections (closed loop) than it can serve within its budget, for a while. Behaviour only (timings belong to `npm run bench:overload`):
 * every answer is a 200 or a 503 queue-budget-exceeded problem+json with Retry-After, every refusal
 * is counted in mlservice_shed_requests_total, the process stays up and ready, and a single
 * request right after the load gets 200.
 * Connections stay below the queue bound (maxQueueRows 1024), so each refusal is the budget's
 * (503), never a full queue's (429).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileService, spawnService, type CompiledService, type ServiceProcess } from '../support/live-service.js';
import { HttpClient, type Answer } from './support/load.js';
import { total } from '../../testkit/metrics.js';
import { report, SCALE } from './support/mode.js';
import { LARGE_YAML, largeRequest, OVERLOAD_BUDGET_MS, writeHeavyModel } from './support/services.js';
import { percentile, round } from '../../testkit/stats.js';

const CONNECTIONS = 768;

/** Rounded p50 and p99 of the answers' latencies, in ms. */
function p50p99(answers: Answer[]): { p50: number; p99: number } {
  const ms = answers.map((a) => a.ms);
  return { p50: round(percentile(ms, 50)), p99: round(percentile(ms, 99)) };
}

async function peakRssMiB(pid: number): Promise<number> {
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

describe(`overload: ${CONNECTIONS} connections for ${SCALE.overloadSeconds} s on a heavy MLP, queue budget ${OVERLOAD_BUDGET_MS} ms`, () => {
  let project: CompiledService;
  let proc: ServiceProcess;

  beforeAll(async () => {
    project = await compileService({ yaml: LARGE_YAML, models: writeHeavyModel });
    proc = await spawnService(project.dir, { env: { MLSERVICE_ORT_THREADS: '1' } });
    await proc.ready();
  });

  afterAll(async () => {
    proc?.child.kill('SIGKILL');
    await project?.cleanup();
  });

  it('refuses with 503 queue-budget-exceeded + Retry-After, counts every refusal, stays up, and answers 200 right after', async () => {
    const budgetMs = project.model.endpoints[0]!.batching.queueBudgetMs;
    expect(budgetMs).toBe(OVERLOAD_BUDGET_MS);
    // What the test relies on, from the runtime's own timing at start-up: the connections' rows
    // are at least twice the budget's worth of full batches, and one batch fits in the budget
    // (a budget below one batch refuses nearly everything: a misconfiguration, not overload).
    const batching = project.model.endpoints[0]!.batching;
    const maxBatch = batching.enabled ? batching.maxBatchSize : 1;
    const placed = ((await (await fetch(`${proc.base}/metadata`)).json()) as { models: { inferenceThread: string; fullBatchMs: number }[] }).models[0]!;
    expect(placed.inferenceThread).toBe('worker');
    expect((CONNECTIONS / maxBatch) * placed.fullBatchMs).toBeGreaterThan(2 * budgetMs);
    expect(placed.fullBatchMs).toBeLessThan(budgetMs);
    const client = new HttpClient(proc.base, CONNECTIONS);
    const answers: Answer[] = [];
    const t0 = performance.now();
    const end = t0 + SCALE.overloadSeconds * 1000;
    let i = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (performance.now() < end) answers.push(await client.post(largeRequest(i++), t0));
      }),
    );
    client.close();
    const metrics = await (await fetch(`${proc.base}/metrics`)).text();
    const after = await fetch(`${proc.base}/v1/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: largeRequest(0).body });
    const afterBody = (await after.json()) as { score: number };
    const ready = (await fetch(`${proc.base}/readyz`)).status;

    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 503);
    const other = answers.filter((a) => a.status !== 200 && a.status !== 503);
    const shed = (reason: string) => total(metrics, 'mlservice_shed_requests_total', { api_endpoint: 'score', reason });
    report('overload', {
      connections: CONNECTIONS,
      seconds: SCALE.overloadSeconds,
      queueBudgetMs: budgetMs,
      fullBatchMs: round(placed.fullBatchMs),
      answers: answers.length,
      ok: ok.length,
      refused: refused.length,
      other: other.length,
      okPerSecond: round(ok.length / SCALE.overloadSeconds),
      okLatencyMs: p50p99(ok),
      refusedLatencyMs: p50p99(refused),
      shed: { queue_budget: shed('queue_budget'), queue_expired: shed('queue_expired') },
      peakRssMiB: round(await peakRssMiB(proc.child.pid!)),
      afterLoad: after.status,
    });

    expect(other.map((a) => `${a.status || a.error} ${a.text.slice(0, 200)}`)).toEqual([]);
    expect(ok.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    const shapes = new Set(
      refused.map((a) => {
        const body = JSON.parse(a.text) as Record<string, unknown>;
        return JSON.stringify({
          contentType: a.headers['content-type'],
          retryAfterIsWholeSeconds: /^[1-9]\d*$/.test(String(a.headers['retry-after'])),
          type: body.type,
          title: body.title,
          status: body.status,
          instance: body.instance,
          detail: /over its queue budget of \d+ ms; retry after \d+s$/.test(String(body.detail)),
        });
      }),
    );
    expect([...shapes]).toEqual([
      JSON.stringify({
        contentType: 'application/problem+json; charset=utf-8',
        retryAfterIsWholeSeconds: true,
        type: 'urn:mlservice:problem:queue-budget-exceeded',
        title: 'Service Unavailable',
        status: 503,
        instance: '/v1/score',
        detail: true,
      }),
    ]);
    expect(shed('queue_budget') + shed('queue_expired')).toBe(refused.length);
    expect(total(metrics, 'mlservice_requests_total', { api_endpoint: 'score', status: '503' })).toBe(refused.length);
    expect(proc.child.exitCode).toBeNull();
    expect({ status: after.status, finite: Number.isFinite(afterBody.score), ready }).toEqual({ status: 200, finite: true, ready: 200 });
  });
});
