/**
 * The Prometheus scrape config prometheus-operator generates for a ServiceMonitor, reproduced for a
 * real Prometheus that has no Kubernetes API to discover from. Two parts, kept apart on purpose:
 *
 * 1. Discovery (Prometheus' `kubernetes_sd_configs` role `endpoints`): one target per ready address
 *    of every Service in the monitor's namespaces and every port of that Service, carrying the
 *    `__meta_kubernetes_*` labels Prometheus sets. Here they are written as `static_configs`
 *    labels (Prometheus accepts `__`-prefixed labels there and relabelling reads them the same way),
 *    from the Service and pod objects the chart renders. The Endpoints controller's rule is applied:
 *    an address exists for each pod the Service's selector matches, and its port is the container
 *    port the Service port's `targetPort` names.
 *    @see https://prometheus.io/docs/prometheus/2.42/configuration/configuration/#endpoints
 * 2. Relabelling: transcribed rule by rule from `generateServiceMonitorConfig` in
 *    prometheus-operator pkg/prometheus/promcfg.go (commit 6adcebc50): keep by the Service
 *    selector, keep by the endpoint's port name, set `namespace`, `service`, `pod`, `container`,
 *    drop finished pods, copy `targetLabels` and `podTargetLabels`, `job` (Service name or
 *    `jobLabel`) and `endpoint` (the port name); `honor_labels` as the endpoint says (default false).
 *
 * Nothing here is written per test: everything comes from the rendered ServiceMonitor and Service.
 */
type Obj = Record<string, any>; // rendered manifests are untyped YAML

/** A pod as the test runs it: rendered labels and containers, and where its process really listens. */
export interface PodTarget {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  containers: Array<{ name: string; ports?: Array<{ name?: string; containerPort: number }> }>;
  /** host:port of the process standing in for the pod (the pod IP and container port in a cluster). */
  address: string;
}

/** prometheus-operator's sanitizeLabelName: every character outside [a-zA-Z0-9_] becomes `_`. */
export const sanitizeLabelName = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, '_');

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>): boolean => selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);

function metaLabels(prefix: string, labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    out[`${prefix}_label_${sanitizeLabelName(k)}`] = v;
    out[`${prefix}_labelpresent_${sanitizeLabelName(k)}`] = 'true';
  }
  return out;
}

/** The targets the endpoints role discovers for one Service: one per (selected pod, Service port). */
export function discoverEndpoints(service: Obj, pods: PodTarget[]): Array<Record<string, string>> {
  const ns = service.metadata.namespace as string;
  const targets: Array<Record<string, string>> = [];
  for (const pod of pods.filter((p) => p.namespace === ns && selects(service.spec.selector, p.labels))) {
    for (const port of service.spec.ports as Obj[]) {
      const container = pod.containers.find((c) => (c.ports ?? []).some((p) => p.name === port.targetPort || p.containerPort === port.targetPort));
      const containerPort = container?.ports?.find((p) => p.name === port.targetPort || p.containerPort === port.targetPort);
      if (!container || !containerPort) continue; // the Endpoints controller leaves the port out
      targets.push({
        __address__: pod.address,
        __meta_kubernetes_namespace: ns,
        __meta_kubernetes_service_name: service.metadata.name,
        ...metaLabels('__meta_kubernetes_service', service.metadata.labels ?? {}),
        __meta_kubernetes_endpoint_port_name: port.name ?? '',
        __meta_kubernetes_endpoint_port_protocol: port.protocol ?? 'TCP',
        __meta_kubernetes_endpoint_ready: 'true',
        __meta_kubernetes_endpoint_address_target_kind: 'Pod',
        __meta_kubernetes_endpoint_address_target_name: pod.name,
        __meta_kubernetes_pod_name: pod.name,
        ...metaLabels('__meta_kubernetes_pod', pod.labels),
        __meta_kubernetes_pod_container_name: container.name,
        __meta_kubernetes_pod_container_port_name: containerPort.name ?? '',
        __meta_kubernetes_pod_container_port_number: String(containerPort.containerPort),
        __meta_kubernetes_pod_phase: 'Running',
        __meta_kubernetes_pod_ready: 'true',
      });
    }
  }
  return targets;
}

/** relabel_configs of one ServiceMonitor endpoint, in the operator's order. */
export function operatorRelabelings(sm: Obj, ep: Obj): Obj[] {
  const rules: Obj[] = [{ source_labels: ['job'], target_label: '__tmp_prometheus_job_name' }];
  const matchLabels: Record<string, string> = sm.spec.selector?.matchLabels ?? {};
  for (const k of Object.keys(matchLabels).sort()) {
    const s = sanitizeLabelName(k);
    rules.push({ action: 'keep', source_labels: [`__meta_kubernetes_service_label_${s}`, `__meta_kubernetes_service_labelpresent_${s}`], regex: `(${matchLabels[k]});true` });
  }
  if (sm.spec.selector?.matchExpressions?.length) throw new Error('matchExpressions are not modelled: the chart does not render them');
  if (ep.port) rules.push({ action: 'keep', source_labels: ['__meta_kubernetes_endpoint_port_name'], regex: ep.port });
  else throw new Error('a ServiceMonitor endpoint without a port name is not modelled: the chart always names one');
  const target = ['__meta_kubernetes_endpoint_address_target_kind', '__meta_kubernetes_endpoint_address_target_name'];
  rules.push(
    { source_labels: target, separator: ';', regex: 'Node;(.*)', replacement: '${1}', target_label: 'node' },
    { source_labels: target, separator: ';', regex: 'Pod;(.*)', replacement: '${1}', target_label: 'pod' },
    { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
    { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
    { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
  );
  if (ep.filterRunning !== false) rules.push({ action: 'drop', source_labels: ['__meta_kubernetes_pod_phase'], regex: '(Failed|Succeeded)' });
  for (const l of sm.spec.targetLabels ?? []) {
    rules.push({ source_labels: [`__meta_kubernetes_service_label_${sanitizeLabelName(l)}`], target_label: sanitizeLabelName(l), regex: '(.+)', replacement: '${1}' });
  }
  for (const l of sm.spec.podTargetLabels ?? []) {
    rules.push({ source_labels: [`__meta_kubernetes_pod_label_${sanitizeLabelName(l)}`], target_label: sanitizeLabelName(l), regex: '(.+)', replacement: '${1}' });
  }
  rules.push({ source_labels: ['__meta_kubernetes_service_name'], target_label: 'job', replacement: '${1}' });
  if (sm.spec.jobLabel) {
    rules.push({ source_labels: [`__meta_kubernetes_service_label_${sanitizeLabelName(sm.spec.jobLabel)}`], target_label: 'job', regex: '(.+)', replacement: '${1}' });
  }
  rules.push({ target_label: 'endpoint', replacement: ep.port });
  if (ep.relabelings?.length || ep.metricRelabelings?.length) throw new Error('endpoint relabelings are not modelled: the chart does not render them');
  return rules;
}

/** Label names every series of a ServiceMonitor target gets at scrape time (besides `instance`). */
export function targetLabelNames(sm: Obj): string[] {
  const fixed = ['job', 'instance', 'namespace', 'service', 'pod', 'container', 'endpoint', 'node'];
  return [...fixed, ...(sm.spec.targetLabels ?? []).map(sanitizeLabelName), ...(sm.spec.podTargetLabels ?? []).map(sanitizeLabelName)];
}

/**
 * One scrape config per endpoint of `sm`, as the operator names and builds them. The Services
 * are those in the monitor's namespaces (`namespaceSelector`, default: its own); every Service is
 * offered to relabelling, which keeps only the selected ones, as in a real cluster.
 * `scrapeInterval` replaces the endpoint's interval (tests scrape every second).
 */
export function scrapeConfigs(sm: Obj, services: Obj[], pods: PodTarget[], opts: { scrapeInterval?: string } = {}): Obj[] {
  const ns = sm.metadata.namespace as string;
  const namespaces: string[] = sm.spec.namespaceSelector?.any ? [...new Set(services.map((s) => s.metadata.namespace as string))] : (sm.spec.namespaceSelector?.matchNames ?? [ns]);
  const inScope = services.filter((s) => namespaces.includes(s.metadata.namespace));
  return (sm.spec.endpoints as Obj[]).map((ep, i) => {
    const targets = inScope.flatMap((s) => discoverEndpoints(s, pods));
    return {
      job_name: `serviceMonitor/${ns}/${sm.metadata.name}/${i}`,
      honor_labels: ep.honorLabels ?? false,
      scrape_interval: opts.scrapeInterval ?? ep.interval,
      scrape_timeout: opts.scrapeInterval ?? ep.scrapeTimeout,
      metrics_path: ep.path ?? '/metrics',
      static_configs: targets.map((t) => ({ targets: [t.__address__], labels: Object.fromEntries(Object.entries(t).filter(([k]) => k !== '__address__')) })),
      relabel_configs: operatorRelabelings(sm, ep),
    };
  });
}
