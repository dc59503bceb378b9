/**
 * The shutdown timings a pod of this service really gets, read from where Kubernetes and the
 * runtime take them (not restated in the tests): the chart rendered by real Helm 3 as Spinnaker's
 * bake renders it (no --kube-version: Helm's built-in version picks the preStop form; the
 * pipeline deploys exactly what the bake rendered), and the runtime's own linger rule applied to
 * the normalized config's `server.shutdownGraceMs`.
 *
 * Kubernetes' order on pod deletion: run the preStop hook, then SIGTERM; SIGKILL when
 * terminationGracePeriodSeconds (counted from the start, preStop included) runs out.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
 */
import { lingerMs } from '../../../runtime/src/server.js';
import type { ServiceModel } from '../../../src/config/model.js';
import { render, writeChart, type K8sObject } from '../../emit/helm-chart.js';

export interface DrainTimings {
  /** The preStop hook's sleep, before SIGTERM. */
  preStopMs: number;
  /** terminationGracePeriodSeconds: from the start of termination to SIGKILL. */
  graceMs: number;
  /** How long the runtime keeps accepting connections after SIGTERM, readiness already off. */
  lingerMs: number;
  /** The runtime's own limit on draining after SIGTERM (server.shutdownGraceMs). */
  shutdownGraceMs: number;
  /** The readiness probe: how often the kubelet asks /readyz, and how many failures take the pod out. */
  readiness: { periodMs: number; failureThreshold: number };
}

/** preStop as `sleep: {seconds}` (Kubernetes >= 1.30) or the `node -e setTimeout` exec form. */
function preStopMs(preStop: K8sObject): number {
  if (preStop.sleep) return Number(preStop.sleep.seconds) * 1000;
  const script = String(preStop.exec?.command?.at(-1) ?? '');
  const m = /^setTimeout\(\(\) => \{\}, (\d+)\)$/.exec(script);
  if (!m) throw new Error(`unknown preStop handler ${JSON.stringify(preStop)}`);
  return Number(m[1]);
}

export function drainTimings(model: ServiceModel): DrainTimings {
  const objects = render(3, writeChart(model));
  const deployment = objects.find((o) => o.kind === 'Deployment');
  if (!deployment) throw new Error('the chart renders no Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  return {
    preStopMs: preStopMs(container.lifecycle.preStop),
    graceMs: Number(pod.terminationGracePeriodSeconds) * 1000,
    lingerMs: lingerMs(model.server.shutdownGraceMs),
    shutdownGraceMs: model.server.shutdownGraceMs,
    readiness: { periodMs: Number(container.readinessProbe.periodSeconds) * 1000, failureThreshold: Number(container.readinessProbe.failureThreshold) },
  };
}
