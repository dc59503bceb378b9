/**
 * The Kayenta canary config: which Prometheus series to compare between the baseline and the
 * canary, and how to judge them. Queries are full PromQL (`PromQL:` prefix in
 * `customInlineTemplate`), aggregated with `sum` so control and experiment series have identical
 * label sets (kayenta#605, #738). Kayenta expands `${scope}` (controlScope / experimentScope =
 * the pod's `track`) and `${location}` (namespace).
 *
 * A series is selected by labels Prometheus sets when it scrapes through the chart's
 * ServiceMonitor (prometheus-operator: `namespace`, `service` = the Kubernetes Service name, which
 * is the service name, and the `track` pod label copied by `podTargetLabels`), plus the runtime's
 * own `api_endpoint` and `variant`. The runtime exposes no label of those scrape-time names
 * (runtime names.ts LABELS), so none is renamed `exported_<name>` and lost to these selectors.
 * @see kayenta docs/canary-config.md; kayenta-prometheus PrometheusMetricsService.buildQuery
 * @see kayenta-core QueryConfigUtils.expandCustomFilter
 */
import type { ServiceModel } from '../config/model.js';
import { LABELS, METRICS } from '@mlservice/runtime/names';
import { canaryConfigId } from './spinnaker-names.js';

/** A Kayenta template variable, `${name}` (Kayenta's syntax, not SpEL). */
const kvar = (name: string): string => '$' + '{' + name + '}';

const GROUP = { errors: 'Errors', latency: 'Latency', predictions: 'Predictions' } as const;
/** Weights total 100 (CanaryClassifierConfig). Errors dominate: a wrong answer is worse than a slow one. */
const GROUP_WEIGHTS: Record<string, number> = { [GROUP.errors]: 50, [GROUP.latency]: 30, [GROUP.predictions]: 20 };

/** Rate window: at least two scrapes at a 30 s interval plus slack. */
const WINDOW = '[2m]';

/** Escapes a value for a PromQL double-quoted label matcher. */
export function promString(value: string): string {
  return JSON.stringify(value);
}

function selector(service: string, extra: Record<string, string> = {}): string {
  const base = [`namespace="${kvar('location')}"`, `service=${promString(service)}`, `track="${kvar('scope')}"`];
  const more = Object.entries(extra).map(([k, v]) => (k.endsWith('=~') ? `${k}${promString(v)}` : `${k}=${promString(v)}`));
  return `{${[...base, ...more].join(',')}}`;
}

const sumRate = (service: string, series: string, extra?: Record<string, string>): string => `sum(rate(${series}${selector(service, extra)}${WINDOW}))`;

interface MetricDef {
  name: string;
  group: string;
  metricName: string;
  promql: string;
  canary: Record<string, unknown>;
}

function metric(d: MetricDef) {
  return {
    name: d.name,
    query: { type: 'prometheus', metricName: d.metricName, customInlineTemplate: `PromQL:${d.promql}` },
    groups: [d.group],
    analysisConfigurations: { canary: d.canary },
    scopeName: 'default',
  };
}

function errorRate(service: string): MetricDef {
  const r = METRICS.requests;
  return {
    name: 'Error rate (5xx and 422 / all requests)',
    group: GROUP.errors,
    metricName: r,
    // 422 is the runtime's answer when the model itself gave NaN or Infinity (non-finite-output):
    // a model fault like a 5xx, which a canary must not hide. `or vector(0)`: with no such answer at
    // all the numerator has no series; make that an explicit 0.
    promql: `(${sumRate(service, r, { [`${LABELS.status}=~`]: '5..|422' })} or vector(0)) / ${sumRate(service, r)}`,
    // No traffic gives no data -> treat as 0 rather than drop it; the latency metric must have data.
    canary: { direction: 'increase', critical: true, nanStrategy: 'replace', mustHaveData: false, effectSize: { allowedIncrease: 1.0, criticalIncrease: 2.0 } },
  };
}

function latencyP99(service: string): MetricDef {
  const h = METRICS.requestDuration;
  return {
    name: 'Request latency p99 (seconds)',
    group: GROUP.latency,
    metricName: `${h}_bucket`,
    promql: `histogram_quantile(0.99, sum by (le) (rate(${h}_bucket${selector(service)}${WINDOW})))`,
    canary: { direction: 'increase', critical: false, nanStrategy: 'remove', mustHaveData: true, effectSize: { allowedIncrease: 1.1 } },
  };
}

/** Mean prediction score per endpoint and variant: a shifted distribution means a changed model behaviour. */
function predictionMeans(m: ServiceModel): MetricDef[] {
  const p = METRICS.predictionScore;
  return m.endpoints.flatMap((e) => {
    const variants = e.ab ? e.ab.variants.map((v) => v.name) : ['default'];
    return variants.map((variant) => {
      const labels = { [LABELS.apiEndpoint]: e.name, [LABELS.variant]: variant };
      return {
        name: `Prediction score mean (${e.name}/${variant})`,
        group: GROUP.predictions,
        metricName: p,
        promql: `${sumRate(m.service.name, `${p}_sum`, labels)} / ${sumRate(m.service.name, `${p}_count`, labels)}`,
        canary: { direction: 'either', critical: false, nanStrategy: 'remove', mustHaveData: false, effectSize: { allowedIncrease: 1.05, allowedDecrease: 0.95 } },
      };
    });
  });
}

export function canaryConfig(m: ServiceModel): object {
  const id = canaryConfigId(m);
  return {
    id,
    name: id,
    description: `Canary vs baseline of ${m.service.name}: error rate, p99 latency, prediction scores per variant.`,
    configVersion: '1',
    applications: [m.deploy.spinnaker.application],
    judge: { name: 'NetflixACAJudge-v1.0', judgeConfigurations: {} },
    metrics: [errorRate(m.service.name), latencyP99(m.service.name), ...predictionMeans(m)].map(metric),
    templates: {},
    classifier: { groupWeights: { ...GROUP_WEIGHTS } },
  };
}
