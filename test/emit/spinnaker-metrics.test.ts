/**
 * The canary config's PromQL against what the runtime exposes, without a Prometheus (the real one
 * runs in test/deploy/prometheus-canary.test.ts): each query, filled the way Kayenta fills it,
 * must parse with Prometheus' own grammar; each label matcher must be either a label Prometheus
 * sets when it scrapes through the chart's ServiceMonitor (`namespace`, `service`, `track`) or one
 * the runtime exposes (names.ts LABELS); and the runtime part of every selector must match a sample
 * of a real `ServiceMetrics` registry that served the endpoint and variant.
 */
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { ServiceMetrics } from '../../runtime/src/metrics.js';
import { LABELS } from '../../runtime/src/names.js';
import type { ServiceModel } from '../../src/config/model.js';
import { canaryConfig } from '../../src/emit/spinnaker-canary.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { kayentaPromQL, type CanaryConfigJson } from '../support/kayenta.js';

type Sample = { name: string; labels: Record<string, string> };
/** Target labels the selectors may use, and the value each must have for a canary of `model` in namespace `ns`. */
const scrapeLabels = (model: ServiceModel, ns: string, track: string): Record<string, string> => ({ namespace: ns, service: model.service.name, track });

function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(l)!;
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
      return { name: m[1]!, labels };
    });
}

/** A registry after one 200 and one 500 per endpoint/variant. */
async function exposition(model: ServiceModel): Promise<Sample[]> {
  const metrics = new ServiceMetrics(64);
  for (const e of model.endpoints) {
    for (const variant of e.ab ? e.ab.variants.map((v) => v.name) : ['default']) {
      metrics.requests.inc({ api_endpoint: e.name, variant, status: '200' });
      metrics.requests.inc({ api_endpoint: e.name, variant, status: '500' });
      metrics.requestDuration.observe({ api_endpoint: e.name, variant }, 0.012);
      metrics.predictionScore.observe({ api_endpoint: e.name, variant }, 0.7);
    }
  }
  return parseExposition(await metrics.registry.metrics());
}

/** Series selectors of a filled query: name and `label op "value"` matchers. */
function selectors(promql: string) {
  return [...promql.matchAll(/(mlservice_[a-z_]+)\{([^{}]*)\}/g)].map((s) => ({
    series: s[1]!,
    matchers: [...s[2]!.matchAll(/(\w+)(=~|=)"([^"]*)"/g)].map((x) => ({ label: x[1]!, op: x[2]!, value: x[3]! })),
  }));
}

const test = (m: { op: string; value: string }, actual: string | undefined) => (m.op === '=' ? actual === m.value : new RegExp(`^(?:${m.value})$`).test(actual ?? ''));

describe.each([
  ['minimal', minimalModel],
  ['ab', abModel],
])('canary queries against the runtime series (%s)', (_n, make) => {
  const model = make();
  const config = canaryConfig(model) as CanaryConfigJson;
  const ns = model.deploy.kubernetes.namespace;
  const filled = (track: string) => config.metrics.map((m) => ({ name: m.name, promql: kayentaPromQL(config, m, { scope: track, location: ns }) }));

  it("every query is valid PromQL once Kayenta has filled it (Prometheus' own Lezer grammar)", () => {
    for (const { name, promql } of filled('canary')) {
      const errors: number[] = [];
      parser.parse(promql).iterate({ enter: (n) => void (n.type.isError && errors.push(n.from)) });
      expect(errors, `${name}: ${promql}`).toEqual([]);
    }
  });

  it('every matcher is a scrape-time target label with the right value, or a label the runtime exposes', () => {
    const runtime = new Set<string>(Object.values(LABELS));
    for (const track of ['canary', 'baseline']) {
      const target = scrapeLabels(model, ns, track);
      for (const { name, promql } of filled(track)) {
        const sels = selectors(promql);
        expect(sels.length, name).toBeGreaterThan(0);
        for (const sel of sels) {
          expect(
            sel.matchers.filter((m) => m.label in target).map((m) => `${m.label}=${m.value}`),
            name,
          ).toEqual(Object.entries(target).map(([k, v]) => `${k}=${v}`));
          for (const m of sel.matchers.filter((x) => !(x.label in target))) expect(runtime.has(m.label), `${name}: ${m.label}`).toBe(true);
        }
      }
    }
  });

  it('the runtime part of every selector matches a sample the runtime exposes', async () => {
    const samples = await exposition(model);
    for (const { name, promql } of filled('canary')) {
      for (const sel of selectors(promql)) {
        const own = sel.matchers.filter((m) => !['namespace', 'service', 'track'].includes(m.label));
        const hit = samples.some((s) => s.name === sel.series && own.every((m) => test(m, s.labels[m.label])));
        expect(hit, `${name}: ${sel.series} ${JSON.stringify(own)}`).toBe(true);
      }
    }
  });
});

describe('the error-rate metric', () => {
  it("counts exactly the answers that mean the service or its model failed: 5xx, and 422 for a model's non-finite output", () => {
    const config = canaryConfig(minimalModel()) as CanaryConfigJson;
    const metric = config.metrics.find((m) => m.name.startsWith('Error rate'))!;
    const promql = kayentaPromQL(config, metric, { scope: 'canary', location: 'ds' });
    const numerator = selectors(promql)[0]!.matchers.find((m) => m.label === LABELS.status)!;
    const statuses = ['200', '400', '404', '413', '415', '422', '429', '499', '500', '503'];
    expect(statuses.filter((s) => test(numerator, s))).toEqual(['422', '500', '503']);
  });
});
