/**
 * How Kayenta turns a canary-config metric into the PromQL it sends, and how it asks Prometheus,
 * reproduced from its source (no Kayenta runs here):
 * - kayenta-core QueryConfigUtils.expandCustomFilter: the metric's template (`customInlineTemplate`,
 *   or `templates[customFilterTemplate]`) is expanded by Apache Commons Text `StringSubstitutor`
 *   with the scope's non-empty `project`, `resourceType`, `scope`, `location`, then the query's
 *   own non-empty `resourceType`, then every `extendedScopeParams` entry; an undefined variable is
 *   an error (setEnableUndefinedVariableException). `$${x}` escapes a literal `${x}`; `${x:-d}`
 *   gives a default.
 * - kayenta-prometheus PrometheusMetricsService.buildQuery: an expansion starting with `PromQL:` is
 *   sent as is (the rest of the string); our config never uses the other (avg-by) form.
 * - PrometheusRemoteService.rangeQuery: GET /api/v1/query_range with start, end (ISO-8601
 *   instants) and step in seconds; each result series becomes one MetricSet, an empty result
 *   one MetricSet without values (the judge's NODATA).
 */
export interface KayentaScope {
  scope: string;
  location: string;
  project?: string;
  resourceType?: string;
  extendedScopeParams?: Record<string, string>;
}

export interface CanaryMetric {
  name: string;
  query: { type: string; metricName?: string; resourceType?: string; customInlineTemplate?: string; customFilterTemplate?: string; customFilter?: string };
  analysisConfigurations: { canary: Record<string, any> };
}

export interface CanaryConfigJson {
  templates?: Record<string, string>;
  metrics: CanaryMetric[];
}

/** StringSubstitutor.replace with the default `${`, `}`, `$` escape and `:-` default syntax. */
export function substitute(template: string, bindings: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < template.length; ) {
    if (template.startsWith('$${', i)) {
      out += '${';
      i += 3;
    } else if (template.startsWith('${', i)) {
      const end = template.indexOf('}', i + 2);
      if (end === -1) return out + template.slice(i);
      const [name, fallback] = splitDefault(template.slice(i + 2, end));
      const value = bindings[name] ?? fallback;
      if (value === undefined) throw new Error(`Problem evaluating custom filter template: undefined variable '${name}' in ${template}`);
      out += substitute(value, bindings);
      i = end + 1;
    } else {
      out += template[i++];
    }
  }
  return out;
}

function splitDefault(body: string): [string, string | undefined] {
  const at = body.indexOf(':-');
  return at === -1 ? [body, undefined] : [body.slice(0, at), body.slice(at + 2)];
}

/** The PromQL Kayenta's Prometheus provider sends for `metric` in `scope`. */
export function kayentaPromQL(config: CanaryConfigJson, metric: CanaryMetric, scope: KayentaScope): string {
  if (metric.query.customFilter !== undefined) throw new Error('CanaryMetricSetQueryConfig.customFilter is deprecated');
  const template = metric.query.customInlineTemplate ?? (metric.query.customFilterTemplate ? config.templates?.[metric.query.customFilterTemplate] : undefined);
  if (!template) throw new Error(`${metric.name}: no template (the default avg() query form is not modelled)`);
  const bindings: Record<string, string> = {};
  for (const [k, v] of Object.entries({ project: scope.project, resourceType: scope.resourceType, scope: scope.scope, location: scope.location })) if (v) bindings[k] = v;
  if (metric.query.resourceType) bindings.resourceType = metric.query.resourceType;
  Object.assign(bindings, scope.extendedScopeParams ?? {});
  const expanded = substitute(template, bindings);
  if (!expanded.startsWith('PromQL:')) throw new Error(`${metric.name}: not a PromQL: template (the avg() form is not modelled)`);
  return expanded.slice('PromQL:'.length);
}

export interface RangeSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/** Prometheus' /api/v1/query_range, asked the way PrometheusRemoteService asks it. */
export async function rangeQuery(prometheus: string, query: string, start: Date, end: Date, stepSeconds: number): Promise<RangeSeries[]> {
  const url = new URL('/api/v1/query_range', prometheus);
  url.search = new URLSearchParams({ query, start: start.toISOString(), end: end.toISOString(), step: String(stepSeconds) }).toString();
  const res = await fetch(url);
  const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: RangeSeries[] } };
  if (body.status !== 'success') throw new Error(`query failed (${res.status}): ${body.error} :: ${query}`);
  return body.data!.result;
}

/** The finite values of a result, as the judge sees them after `nanStrategy: remove`. */
export function finiteValues(series: RangeSeries[]): number[] {
  return series.flatMap((s) => s.values.map(([, v]) => Number(v))).filter((v) => Number.isFinite(v));
}
