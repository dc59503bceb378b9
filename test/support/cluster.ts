/**
 * A model of one Kubernetes cluster as a deploy pipeline sees it, enforcing what the API server
 * and its controllers would refuse or leave broken (no cluster runs here):
 * - a Deployment whose selector does not match its pod template labels is refused (apps/v1
 *   validation, "selector does not match template labels"), and so is a change of an existing
 *   Deployment's selector (spec.selector is immutable in apps/v1);
 * - a pod whose ServiceAccount does not exist is refused by the ServiceAccount admission plugin
 *   (kubernetes plugin/pkg/admission/serviceaccount/admission.go: "error looking up service
 *   account"), so its Deployment never becomes available and the deploy stage that waits for it
 *   fails. The ReplicaSet controller retries pod creation, so objects applied by the same stage
 *   count, whatever their order; objects of later stages do not;
 * - a Service selects the pods whose labels match its selector (the Endpoints controller); one
 *   that selects none routes nothing;
 * - prometheus-operator scrapes, for a ServiceMonitor, the Services in its namespaces
 *   (`namespaceSelector`, default its own) whose labels match `selector.matchLabels`, on the
 *   Service port whose *name* is the endpoint's `port`, at the pods behind it
 *   (test/support/prometheus-operator.ts has the exact relabelling);
 * - deleting an object that does not exist succeeds (clouddriver KubectlJobExecutor.delete passes
 *   --ignore-not-found=true).
 * Every namespace has its `default` ServiceAccount (the ServiceAccount controller creates it).
 */
export type K8sObject = Record<string, any>;

export interface Pod {
  deployment: string;
  namespace: string;
  labels: Record<string, string>;
  serviceAccount: string;
  containers: K8sObject[];
  image: string;
}

const key = (kind: string, ns: string, name: string) => `${kind}/${ns}/${name}`;
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

export class Cluster {
  private readonly objects = new Map<string, K8sObject>();

  constructor(namespaces: string[]) {
    for (const ns of namespaces) this.objects.set(key('ServiceAccount', ns, 'default'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
  }

  /** A deep copy, so a scenario can start from another's end state. */
  clone(): Cluster {
    const c = new Cluster([]);
    for (const [k, v] of this.objects) c.objects.set(k, structuredClone(v));
    return c;
  }

  get(kind: string, ns: string, name: string): K8sObject | undefined {
    return this.objects.get(key(kind, ns, name));
  }

  list(kind?: string): K8sObject[] {
    return [...this.objects.values()].filter((o) => kind === undefined || o.kind === kind);
  }

  /** Resource names, `Kind/name` sorted, for reports. */
  inventory(ns: string): string[] {
    return this.list()
      .filter((o) => o.metadata.namespace === ns && !(o.kind === 'ServiceAccount' && o.metadata.name === 'default'))
      .map((o) => `${o.kind}/${o.metadata.name}`)
      .sort();
  }

  /**
   * Applies the objects of one deploy stage into `namespace`; returns why the stage fails (empty =
   * it succeeds: accepted, and every Deployment it applied has admitted pods).
   */
  apply(objects: K8sObject[], namespace: string): string[] {
    const problems: string[] = [];
    for (const o of objects) {
      const obj: K8sObject = { ...structuredClone(o), metadata: { ...o.metadata, namespace } };
      const k = key(obj.kind, namespace, obj.metadata.name);
      if (obj.kind === 'Deployment') {
        const selector = obj.spec.selector?.matchLabels;
        if (!matches(selector, obj.spec.template.metadata.labels)) problems.push(`Deployment ${obj.metadata.name}: selector does not match template labels`);
        const old = this.objects.get(k);
        if (old && JSON.stringify(old.spec.selector) !== JSON.stringify(obj.spec.selector)) problems.push(`Deployment ${obj.metadata.name}: spec.selector is immutable`);
        if (problems.length) continue;
      }
      this.objects.set(k, obj);
    }
    for (const o of objects.filter((x) => x.kind === 'Deployment')) {
      for (const pod of this.podsOf(namespace, o.metadata.name)) {
        if (!this.get('ServiceAccount', namespace, pod.serviceAccount)) {
          problems.push(`pods of Deployment ${o.metadata.name} forbidden: error looking up service account ${namespace}/${pod.serviceAccount}: not found`);
        }
      }
    }
    return problems;
  }

  delete(kind: string, ns: string, name: string): void {
    this.objects.delete(key(kind, ns, name));
  }

  /** The pods a Deployment's ReplicaSet creates (one stands for all replicas: they are identical). */
  podsOf(ns: string, deployment: string): Pod[] {
    const d = this.get('Deployment', ns, deployment);
    if (!d) return [];
    const t = d.spec.template;
    return [{ deployment, namespace: ns, labels: t.metadata.labels, serviceAccount: t.spec.serviceAccountName ?? 'default', containers: t.spec.containers, image: t.spec.containers[0].image }];
  }

  /** Pods that exist: those the ServiceAccount admission let through. */
  pods(ns?: string): Pod[] {
    return this.list('Deployment')
      .filter((d) => ns === undefined || d.metadata.namespace === ns)
      .flatMap((d) => this.podsOf(d.metadata.namespace, d.metadata.name))
      .filter((p) => this.get('ServiceAccount', p.namespace, p.serviceAccount));
  }

  servicesSelecting(pod: Pod): K8sObject[] {
    return this.list('Service').filter((s) => s.metadata.namespace === pod.namespace && matches(s.spec.selector, pod.labels));
  }

  /** The Services a ServiceMonitor's scrape config keeps, with the port its endpoint names. */
  monitoredServices(sm: K8sObject): Array<{ service: K8sObject; port: K8sObject }> {
    const nsSel = sm.spec.namespaceSelector;
    const inNs = (s: K8sObject) => (nsSel?.any ? true : (nsSel?.matchNames ?? [sm.metadata.namespace]).includes(s.metadata.namespace));
    return this.list('Service')
      .filter((s) => inNs(s) && matches(sm.spec.selector?.matchLabels, s.metadata.labels))
      .flatMap((service) => (sm.spec.endpoints as K8sObject[]).flatMap((ep) => (service.spec.ports as K8sObject[]).filter((p) => p.name === ep.port).map((port) => ({ service, port }))));
  }

  /** Whether prometheus-operator would scrape this pod: through a monitored Service port whose targetPort the pod's containers expose. */
  scraped(pod: Pod): boolean {
    return this.list('ServiceMonitor').some((sm) =>
      this.monitoredServices(sm).some(
        ({ service, port }) =>
          matches(service.spec.selector, pod.labels) && pod.containers.some((c) => (c.ports ?? []).some((p: K8sObject) => p.name === port.targetPort || p.containerPort === port.targetPort)),
      ),
    );
  }

  /** What is broken in the cluster now: every rule in the module comment, as messages. */
  problems(): string[] {
    const problems: string[] = [];
    for (const d of this.list('Deployment')) {
      for (const p of this.podsOf(d.metadata.namespace, d.metadata.name)) {
        if (!this.get('ServiceAccount', p.namespace, p.serviceAccount)) problems.push(`Deployment ${d.metadata.name}: ServiceAccount ${p.serviceAccount} does not exist`);
      }
    }
    for (const s of this.list('Service')) {
      if (!this.pods(s.metadata.namespace).some((p) => matches(s.spec.selector, p.labels))) problems.push(`Service ${s.metadata.name} selects no pod`);
    }
    for (const sm of this.list('ServiceMonitor')) {
      if (this.monitoredServices(sm).length === 0) problems.push(`ServiceMonitor ${sm.metadata.name} selects no Service port named ${sm.spec.endpoints.map((e: K8sObject) => e.port).join(',')}`);
    }
    for (const h of this.list('HorizontalPodAutoscaler')) {
      const t = h.spec.scaleTargetRef;
      if (!this.get(t.kind, h.metadata.namespace, t.name)) problems.push(`HorizontalPodAutoscaler ${h.metadata.name}: no ${t.kind} ${t.name}`);
    }
    for (const b of this.list('PodDisruptionBudget')) {
      if (!this.pods(b.metadata.namespace).some((p) => matches(b.spec.selector?.matchLabels, p.labels))) problems.push(`PodDisruptionBudget ${b.metadata.name} selects no pod`);
    }
    for (const i of this.list('Ingress')) {
      for (const rule of i.spec.rules ?? []) {
        for (const path of rule.http?.paths ?? []) {
          const svc = this.get('Service', i.metadata.namespace, path.backend.service.name);
          if (!svc || !(svc.spec.ports as K8sObject[]).some((p) => p.name === path.backend.service.port.name || p.port === path.backend.service.port.number)) {
            problems.push(`Ingress ${i.metadata.name}: no Service port ${path.backend.service.name}:${path.backend.service.port.name ?? path.backend.service.port.number}`);
          }
        }
      }
    }
    return problems;
  }
}
