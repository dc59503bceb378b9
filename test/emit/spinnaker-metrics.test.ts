/**
 * The canary config's PromQL against what the real runtime exposes: each series selector, with
 * Kayenta's `${scope}` bound to the track, must match at least one sample of a
 * `@mlservice/runtime` ServiceMetrics registry that served traffic on that track. `namespace` is a
 * target label Prometheus adds at scrape time, so it is not in the exposition; `service` and
 * `track` are the runtime's own default labels and must match the exposition.
 * (No Prometheus server runs here; this checks names, labels and values, not the query engine.)
 */
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { ServiceMetrics } from '../../runtime/src/metrics.js';
import { ENV } from '../../runtime/src/names.js';
import type { ServiceModel } from '../../src/config/model.js';
import { canaryConfig } from '../../src/emit/spinnaker-canary.js';
import { abModel, minimalModel } from '../support/fixtures.js';

type Sample = { name: string; labels: Record<string, string> };
const TARGET_LABELS = new Set(['namespace']);

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

/** A registry after one request per endpoint/variant on `track`, one of them a 500. */
async function exposition(model: ServiceModel, track: string): Promise<Sample[]> {
  const metrics = new ServiceMetrics(model.service.name, 64, { [ENV.track]: track });
  for (const e of model.endpoints) {
    for (const variant of e.ab ? e.ab.variants.map((v) => v.name) : ['default']) {
      metrics.requests.inc({ endpoint: e.name, variant, status: '200' });
      metrics.requests.inc({ endpoint: e.name, variant, status: '500' });
      metrics.requestDuration.observe({ endpoint: e.name, variant }, 0.012);
      metrics.predictionScore.observe({ endpoint: e.name, variant }, 0.7);
    }
  }
  return parseExposition(await metrics.registry.metrics());
}

function selectors(query: string, scope: string) {
  // A selector's braces may hold Kayenta variables (`${location}`), whose own braces must not end it.
  return [...query.matchAll(/(mlservice_[a-z_]+)\{((?:[^{}]|\$\{\w+\})*)\}/g)].map((s) => ({
    series: s[1]!,
    matchers: [...s[2]!.matchAll(/(\w+)(=~|=)"([^"]*)"/g)].map((x) => ({
      label: x[1]!,
      op: x[2]!,
      value: x[3]!.replace('$' + '{scope}', scope),
    })),
  }));
}

/** The sample satisfies the selector (target labels aside, which only Prometheus adds). */
function matches(s: Sample, sel: ReturnType<typeof selectors>[number]): boolean {
  return (
    s.name === sel.series &&
    sel.matchers.every((m) => TARGET_LABELS.has(m.label) || (m.op === '=' ? s.labels[m.label] === m.value : new RegExp(`^(?:${m.value})$`).test(s.labels[m.label] ?? '')))
  );
}

describe.each([
  ['minimal', minimalModel],
  ['ab', abModel],
])('canary queries find the runtime series (%s)', (_n, make) => {
  const model = make();
  const metrics = (canaryConfig(model) as { metrics: Array<{ name: string; query: { customInlineTemplate: string } }> }).metrics;

  it.each(['canary', 'baseline'])('every selector matches a %s sample', async (track) => {
    const samples = await exposition(model, track);
    for (const metric of metrics) {
      const sels = selectors(metric.query.customInlineTemplate, track);
      expect(sels.length, metric.name).toBeGreaterThan(0);
      for (const sel of sels) {
        const hit = samples.some((s) => matches(s, sel));
        expect(hit, `${metric.name}: ${sel.series} ${JSON.stringify(sel.matchers)}`).toBe(true);
      }
    }
  });

  it('every query is valid PromQL once Kayenta has expanded it (Prometheus\' own Lezer grammar)', () => {
    for (const metric of metrics) {
      const promql = metric.query.customInlineTemplate.replace(/^PromQL:/, '');
      const expanded = promql.replace(/\$\{(\w+)\}/g, (_m, v: string) => ({ scope: 'canary', location: 'reco', service: 'svc' })[v] ?? `<unbound ${v}>`);
      expect(expanded).not.toContain('<unbound');
      const errors: number[] = [];
      parser.parse(expanded).iterate({ enter: (n) => void (n.type.isError && errors.push(n.from)) });
      expect(errors, `${metric.name}: ${expanded}`).toEqual([]);
    }
  });

  it('a selector for the other track matches nothing (scopes really separate canary and baseline)', async () => {
    const samples = await exposition(model, 'baseline');
    const sel = selectors(metrics[0]!.query.customInlineTemplate, 'canary')[0]!;
    expect(samples.some((s) => s.name === sel.series && s.labels.track === 'canary')).toBe(false);
  });

  it('every selector names this service, and a registry of another service matches none of them', async () => {
    const own = await exposition(model, 'canary');
    const other = await exposition({ ...model, service: { ...model.service, name: 'other-service' } }, 'canary');
    for (const metric of metrics) {
      for (const sel of selectors(metric.query.customInlineTemplate, 'canary')) {
        expect(sel.matchers.find((m) => m.label === 'service')).toEqual({ label: 'service', op: '=', value: model.service.name });
        expect(own.some((x) => matches(x, sel))).toBe(true);
        expect(other.some((x) => matches(x, sel))).toBe(false);
        // The same samples with only the service label set to ours match again: nothing else differs.
        expect(other.some((x) => matches({ ...x, labels: { ...x.labels, service: model.service.name } }, sel))).toBe(true);
      }
    }
  });
});
