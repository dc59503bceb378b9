/**
 * No label the service exposes may collide with a label Prometheus sets at scrape time (the
 * operator's target labels and the chart's podTargetLabels, names.ts SCRAPE_TARGET_LABELS /
 * POD_TARGET_LABELS): with honor_labels false Prometheus renames the exposed one
 * `exported_<name>`, and every query on it finds nothing. The whole exposition is checked after
 * real traffic (successes, a 400, an overload 429), default process metrics included, so a future
 * metric cannot bring the clash back; the failure names the colliding labels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { LABELS, METRICS, POD_TARGET_LABELS, SCRAPE_TARGET_LABELS } from '../src/names.js';
import { buildService, type BuiltService } from '../src/server.js';
import { modelsOnWorkerThreads, serviceDefinition, writeModels } from './support/service-fixture.js';

/** Label names in an exposition, per metric name (histogram `le` and summary `quantile` aside). */
function labelNames(exposition: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of exposition.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} /.exec(line);
    if (!m) continue;
    const names = out.get(m[1]!) ?? new Set<string>();
    for (const l of m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) if (l[1] !== 'le' && l[1] !== 'quantile') names.add(l[1]!);
    out.set(m[1]!, names);
  }
  return out;
}

const RESERVED = new Set<string>([...SCRAPE_TARGET_LABELS, ...POD_TARGET_LABELS]);

/** `metric: label` for every exposed label that Prometheus would rename or that looks renamed already. */
function collisions(exposition: string): string[] {
  return [...labelNames(exposition)].flatMap(([metric, names]) => [...names].filter((n) => RESERVED.has(n) || n.startsWith('exported_') || n.startsWith('__')).map((n) => `${metric}: ${n}`));
}

let s: BuiltService;
let exposition = '';
modelsOnWorkerThreads();
beforeAll(async () => {
  const { modelsDir, lockPath } = await writeModels();
  s = await buildService(serviceDefinition({ maxBatchSize: 8, maxQueueRows: 16 }), { modelsDir }, { LOG_LEVEL: 'silent', MLSERVICE_MODELS_LOCK: lockPath });
  await s.loadModels();
  const post = (url: string, payload: object) => s.app.inject({ method: 'POST', url, payload });
  await post('/v1/score', { features: [1, 2, 3, 4] });
  await post('/v1/score', { features: 'not a list' });
  const big = { user_id: 'u', items: Array.from({ length: 8 }, (_, i) => [i, 1, 2, 3]) };
  const answers = await Promise.all(Array.from({ length: 40 }, () => post('/v1/rank', big)));
  expect(answers.some((r) => r.statusCode === 429)).toBe(true);
  exposition = (await s.app.inject('/metrics')).body;
});
afterAll(() => s.shutdown());

describe('metric label names', () => {
  it('collide with no scrape-time target label, in any metric the service exposes', () => {
    expect(collisions(exposition)).toEqual([]);
    expect(labelNames(exposition).get(METRICS.requests)).toEqual(new Set([LABELS.apiEndpoint, LABELS.variant, LABELS.status]));
  });

  it('are exactly the names.ts LABELS on the mlservice_ metrics', () => {
    const used = new Set([...labelNames(exposition)].filter(([m]) => m.startsWith('mlservice_')).flatMap(([, n]) => [...n]));
    expect([...used].sort()).toEqual(Object.values(LABELS).sort());
  });

  it('the check names a colliding label when a metric brings one back', async () => {
    const registry = new Registry();
    new Counter({ name: 'mlservice_example_total', help: 'x', labelNames: ['pod', 'endpoint', 'track', 'variant'], registers: [registry] }).inc({
      pod: 'p',
      endpoint: 'rank',
      track: 'canary',
      variant: 'a',
    });
    expect(collisions(await registry.metrics())).toEqual(['mlservice_example_total: pod', 'mlservice_example_total: endpoint', 'mlservice_example_total: track']);
  });
});
