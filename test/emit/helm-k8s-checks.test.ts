/**
 * The chart tests lean on two checkers in test/support/k8s-strict.ts; these prove each one fails
 * on the mistakes it exists for, starting from a real rendered Deployment.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { abModel } from '../../testkit/fixtures.js';
import { labelSyntaxErrors, restrictedPssErrors, strictK8sErrors } from '../support/k8s-strict.js';
import { render, writeChart, type K8sObject } from './helm-chart.js';

let objects: K8sObject[];
beforeAll(() => {
  objects = render(3, writeChart(abModel()), ['--set', 'serviceMonitor.enabled=true', '--set-string', 'models.ranker-control.version=12']);
});

const get = (kind: string): K8sObject => structuredClone(objects.find((o) => o.kind === kind)!);

describe('strictK8sErrors', () => {
  test('accepts every rendered object', () => {
    expect(objects.flatMap((o) => strictK8sErrors(o))).toEqual([]);
  });

  test('rejects a misspelled field deep in a pod spec', () => {
    const d = get('Deployment');
    d.spec.template.spec.containers[0].readinessProbe.httpGet.pth = '/readyz';
    expect(strictK8sErrors(d)).toEqual(['apps/v1/Deployment.spec.template.spec.containers[0].readinessProbe.httpGet: unknown field "pth" in V1HTTPGetAction']);
  });

  test('rejects minAvaliable in a PodDisruptionBudget', () => {
    const pdb = get('PodDisruptionBudget');
    pdb.spec.minAvaliable = pdb.spec.minAvailable;
    delete pdb.spec.minAvailable;
    expect(strictK8sErrors(pdb)).toEqual(['policy/v1/PodDisruptionBudget.spec: unknown field "minAvaliable" in V1PodDisruptionBudgetSpec']);
  });

  test('rejects wrong JSON types, including IntOrString and string maps', () => {
    const d = get('Deployment');
    d.spec.strategy.rollingUpdate.maxSurge = true;
    d.spec.template.metadata.labels.replicas = 3;
    d.spec.revisionHistoryLimit = '10';
    expect(strictK8sErrors(d).slice(0, 3)).toEqual([
      'apps/v1/Deployment.spec.revisionHistoryLimit: expected number, got "10"',
      'apps/v1/Deployment.spec.strategy.rollingUpdate.maxSurge: expected int or string',
      'apps/v1/Deployment.spec.template.metadata.labels.replicas: expected string, got 3',
    ]);
  });

  test('rejects an unknown ServiceMonitor field and an unsupported kind', () => {
    const sm = get('ServiceMonitor');
    sm.spec.endpoints[0].honorLabel = true;
    expect(strictK8sErrors(sm)).toEqual(['monitoring.coreos.com/v1/ServiceMonitor.spec.endpoints[0]: unknown field "honorLabel"']);
    expect(strictK8sErrors({ apiVersion: 'batch/v1', kind: 'Job' })).toEqual(['unsupported kind batch/v1/Job']);
  });

  test('runs kubernetes-models validate() for required fields', () => {
    const svc = get('Service');
    delete svc.spec.ports[0].port;
    expect(strictK8sErrors(svc)).toHaveLength(1);
    expect(strictK8sErrors(svc)[0]).toMatch(/^v1\/Service: .*port/);
  });
});

describe('restrictedPssErrors', () => {
  const pod = (): K8sObject => get('Deployment').spec.template.spec;

  test('accepts the rendered pod', () => {
    expect(restrictedPssErrors(pod())).toEqual([]);
  });

  test.each<[string, (p: K8sObject) => void, string]>([
    ['privilege escalation', (p) => delete p.containers[0].securityContext.allowPrivilegeEscalation, 'container service: allowPrivilegeEscalation must be false'],
    ['root user', (p) => (p.containers[0].securityContext.runAsUser = 0), 'container service: runAsUser must not be 0'],
    ['capabilities kept', (p) => (p.containers[0].securityContext.capabilities.drop = ['NET_RAW']), 'container service: capabilities.drop must contain ALL'],
    ['capability added', (p) => (p.containers[0].securityContext.capabilities.add = ['SYS_ADMIN']), 'container service: capability SYS_ADMIN added'],
    ['unconfined seccomp', (p) => (p.securityContext.seccompProfile.type = 'Unconfined'), 'pod: seccompProfile Unconfined'],
    ['hostPath volume', (p) => p.volumes.push({ name: 'host', hostPath: { path: '/' } }), 'volume host: type hostPath not allowed'],
    ['host network', (p) => (p.hostNetwork = true), 'pod: hostNetwork must not be true'],
    ['privileged', (p) => (p.containers[0].securityContext.privileged = true), 'container service: privileged'],
    ['host port', (p) => (p.containers[0].ports[0].hostPort = 80), 'container service: hostPort 80'],
  ])('rejects %s', (_name, mutate, message) => {
    const p = pod();
    mutate(p);
    expect(restrictedPssErrors(p)).toContain(message);
  });

  test('rejects a pod whose runAsNonRoot is missing at both levels', () => {
    const p = pod();
    delete p.securityContext.runAsNonRoot;
    delete p.containers[0].securityContext.runAsNonRoot;
    expect(restrictedPssErrors(p)).toEqual(['runAsNonRoot must be true at pod level or on every container']);
  });
});

describe('labelSyntaxErrors', () => {
  test('accepts every rendered object, including the per-model label keys', () => {
    expect(objects.flatMap((o) => labelSyntaxErrors(o))).toEqual([]);
    expect(Object.keys(get('Deployment').spec.template.metadata.labels)).toContain('ranker-control.models.mlservice.io/version');
  });

  test('rejects bad label keys and values in metadata, pod templates and selectors', () => {
    const d = get('Deployment');
    d.metadata.labels['Bad_Prefix/x'] = 'ok';
    d.spec.template.metadata.labels.revision = 'a'.repeat(64);
    d.spec.template.metadata.annotations['a/b/c'] = 'anything goes in an annotation value';
    d.spec.selector.matchLabels.track = 'not ok!';
    expect(labelSyntaxErrors(d)).toEqual([
      '.metadata.labels: key "Bad_Prefix/x": prefix is not a DNS subdomain',
      `.spec.selector.matchLabels: value of "track" is not a valid label value: "not ok!"`,
      `.spec.template.metadata.labels: value of "revision" is not a valid label value: "${'a'.repeat(64)}"`,
      '.spec.template.metadata.annotations: key "a/b/c": more than one "/"',
    ]);
    const svc = get('Service');
    svc.spec.selector['-x'] = 'y';
    expect(labelSyntaxErrors(svc)).toEqual(['.spec.selector: key "-x": name part is not 1-63 alphanumerics, "-", "_", "."']);
  });
});
