/**
 * What users of a Helm chart expect from it (`helm create`'s starter and widely used public charts),
 * proven with real Helm 3 and 4: NOTES.txt, name overrides, helper names scoped to the chart (two
 * generated charts in one umbrella chart), overridable security contexts and probe timings whose
 * defaults stay restricted-PSS, ServiceAccount annotations (IRSA) and token automount, an optional
 * Ingress.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { HELM_MAJORS } from '../support/helm.js';
import { PATHS } from '../../runtime/src/names.js';
import { restrictedPssErrors, strictK8sErrors } from '../support/k8s-strict.js';
import { render, writeChart, type K8sObject } from './helm-chart.js';

const temp: string[] = [];
afterAll(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })));

const model = abModel();
const svc = model.service.name;
const chart = writeChart(model);
const kind = (objects: K8sObject[], k: string) => objects.filter((o) => o.kind === k);
const deployment = (objects: K8sObject[]) => kind(objects, 'Deployment')[0]!;

/**
 * NOTES.txt as `helm install` would print it. `helm template` never renders NOTES.txt and
 * `install --dry-run` needs a cluster, so a copy of the chart renders it through `tpl` inside a
 * ConfigMap: the same template text, values and helpers.
 */
function notes(major: 3 | 4, args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-notes-'));
  temp.push(dir);
  const copy = join(dir, svc);
  cpSync(chart, copy, { recursive: true });
  cpSync(join(copy, 'templates/NOTES.txt'), join(copy, 'notes-source.txt'));
  writeFileSync(join(copy, 'templates/notes-render.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ tpl (.Files.Get "notes-source.txt") . | quote }}\n');
  return (render(major, copy, ['--namespace', 'reco', '--show-only', 'templates/notes-render.yaml', ...args])[0]!.data.notes as string).trim();
}

describe.each(HELM_MAJORS)('Helm %i', (major) => {
  test('NOTES.txt tells an operator how to wait for, reach and scrape the release', () => {
    expect(notes(major, [])).toBe(
      [
        `${svc} (stable track) runs 123456789012.dkr.ecr.eu-central-1.amazonaws.com/reco/activity-ranker:${model.service.version}`,
        'in namespace reco.',
        '',
        `Wait for it: kubectl -n reco rollout status deployment/${svc}`,
        `Reach it:    kubectl -n reco port-forward service/${svc} 8080:80`,
        '             then http://127.0.0.1:8080/docs (API), /metadata (code and model versions), /readyz',
        `Metrics:     /metrics, scraped through ServiceMonitor ${svc}`,
      ].join('\n'),
    );
    expect(notes(major, ['--set', 'serviceMonitor.enabled=false']).split('\n').at(-1)).toBe('Metrics:     /metrics');
    const withIngress = notes(major, [
      '--set',
      'ingress.enabled=true',
      '--set',
      'ingress.hosts[0].host=api.example.com',
      '--set',
      'ingress.hosts[0].paths[0].path=/v1',
      '--set',
      'ingress.hosts[0].paths[0].pathType=Prefix',
      '--set',
      'ingress.tls[0].secretName=api-tls',
    ]);
    expect(withIngress.split('\n').slice(-2)).toEqual(['Reach it:    https://api.example.com/v1', `Metrics:     /metrics, scraped through ServiceMonitor ${svc}`]);
    expect(notes(major, ['--set', 'track=shared'])).toBe(`Shared objects of ${svc} (ServiceAccount, Service, ServiceMonitor) are in namespace reco.`);
    expect(notes(major, ['--set', 'track=shared', '--set', 'networkPolicy.enabled=true'])).toBe(
      `Shared objects of ${svc} (ServiceAccount, Service, ServiceMonitor, NetworkPolicy) are in namespace reco.`,
    );
    expect(notes(major, ['--set', 'auth.enabled=true', '--set', 'auth.secretName=reco-keys', '--set', 'auth.secretKey=ranker']).split('\n').at(-1)).toBe(
      'Token:       predictions need the token in Secret reco-keys, key ranker',
    );
  });

  test("a NetworkPolicy, off by default, admits the namespace, the Prometheus scraper and the listed peers to the pods' port", () => {
    expect(kind(render(major, chart), 'NetworkPolicy')).toEqual([]);
    const on = ['--set', 'networkPolicy.enabled=true'];
    const [policy] = kind(render(major, chart, on), 'NetworkPolicy');
    expect(strictK8sErrors(policy!)).toEqual([]);
    expect(policy!.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': svc } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            { podSelector: {} },
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } },
          ],
          ports: [{ port: 'http', protocol: 'TCP' }],
        },
      ],
    });
    // It selects every track's pods and lets through the port the Service and the ServiceMonitor use.
    const objects = render(major, chart, on);
    const pod = deployment(objects).spec.template;
    expect(Object.entries(policy!.spec.podSelector.matchLabels).every(([k, v]) => pod.metadata.labels[k] === v)).toBe(true);
    expect(pod.spec.containers[0].ports.map((p: K8sObject) => p.name)).toEqual(['http']);
    expect(kind(objects, 'ServiceMonitor')[0]!.spec.endpoints.map((e: K8sObject) => e.port)).toEqual(['http']);
    // Another Prometheus, and an ingress controller's namespace.
    const custom = render(major, chart, [
      ...on,
      '--set',
      'networkPolicy.prometheus.namespaceSelector.matchLabels.team=obs',
      '--set',
      'networkPolicy.additionalFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=ingress-nginx',
    ]);
    const from = kind(custom, 'NetworkPolicy')[0]!.spec.ingress[0].from;
    expect(from.slice(1)).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring', team: 'obs' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
    ]);
    // With the shared objects (the pipeline applies them first), never with a canary's Deployment.
    expect(kind(render(major, chart, [...on, '--set', 'track=shared']), 'NetworkPolicy')).toHaveLength(1);
    expect(kind(render(major, chart, [...on, '--set', 'track=canary']), 'NetworkPolicy')).toEqual([]);
  });

  test('server.auth: the pods read MLSERVICE_AUTH_TOKEN from the Secret; probes and the scrape use routes the runtime leaves open', () => {
    const secured = abModel();
    secured.server.auth = { type: 'bearer', secret: { name: 'activity-ranker-auth', key: 'token' } };
    const objects = render(major, writeChart(secured));
    const container = deployment(objects).spec.template.spec.containers[0];
    expect(container.env.at(-1)).toEqual({ name: 'MLSERVICE_AUTH_TOKEN', valueFrom: { secretKeyRef: { name: 'activity-ranker-auth', key: 'token' } } });
    for (const o of objects) expect(strictK8sErrors(o)).toEqual([]);
    const open = new Set<string>([PATHS.live, PATHS.ready, PATHS.metrics, PATHS.metadata]);
    const probed = [container.startupProbe, container.readinessProbe, container.livenessProbe].map((p: K8sObject) => p.httpGet.path);
    const scraped = kind(objects, 'ServiceMonitor')[0]!.spec.endpoints.map((e: K8sObject) => e.path);
    expect([...probed, ...scraped].filter((p) => !open.has(p))).toEqual([]);
    expect(deployment(render(major, chart)).spec.template.spec.containers[0].env.map((e: K8sObject) => e.name)).not.toContain('MLSERVICE_AUTH_TOKEN');
  });

  test('nameOverride renames objects and the name label; fullnameOverride only the objects', () => {
    const named = render(major, chart, ['--set', 'nameOverride=ranker']);
    expect([...new Set(named.map((o) => o.metadata.name))]).toEqual(['ranker']);
    expect(deployment(named).spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'ranker', track: 'stable' });
    const full = render(major, chart, ['--set', 'fullnameOverride=reco-ranker', '--set', 'track=canary']);
    expect(deployment(full).metadata.name).toBe('reco-ranker-canary');
    expect(deployment(full).spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': svc, track: 'canary' });
    const stable = render(major, chart, ['--set', 'fullnameOverride=reco-ranker']);
    expect(stable.map((o) => o.metadata.name)).toEqual(stable.map(() => 'reco-ranker'));
    expect(kind(stable, 'HorizontalPodAutoscaler')[0]!.spec.scaleTargetRef.name).toBe('reco-ranker');
    expect(deployment(stable).spec.template.spec.serviceAccountName).toBe('reco-ranker');
  });

  test('security contexts and probe timings can be overridden; the defaults meet restricted PSS', () => {
    const defaults = deployment(render(major, chart)).spec.template.spec;
    expect(restrictedPssErrors(defaults)).toEqual([]);
    expect(defaults.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(defaults.containers[0].startupProbe).toEqual({ httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 60 });
    const set = [
      '--set',
      'podSecurityContext.fsGroup=2000',
      '--set',
      'securityContext.readOnlyRootFilesystem=false',
      '--set',
      'probes.startup.failureThreshold=120',
      '--set',
      'probes.readiness.initialDelaySeconds=3',
    ];
    const pod = deployment(render(major, chart, set)).spec.template.spec;
    expect(pod.securityContext.fsGroup).toBe(2000);
    expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(false);
    expect(pod.containers[0].startupProbe.failureThreshold).toBe(120);
    expect(pod.containers[0].readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2, initialDelaySeconds: 3 });
    expect(restrictedPssErrors(pod)).toEqual([]);
    // An override that leaves the restricted profile is the operator's choice, and the check sees it.
    const root = deployment(render(major, chart, ['--set', 'securityContext.allowPrivilegeEscalation=true'])).spec.template.spec;
    expect(restrictedPssErrors(root)).toEqual(['container service: allowPrivilegeEscalation must be false']);
  });

  test('ServiceAccount annotations (IRSA) and token automount reach the ServiceAccount and the pods', () => {
    const role = 'arn:aws:iam::123456789012:role/activity-ranker';
    const objects = render(major, chart, ['--set-string', `serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=${role}`, '--set', 'serviceAccount.automount=true']);
    const sa = kind(objects, 'ServiceAccount')[0]!;
    expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': role });
    expect(sa.automountServiceAccountToken).toBe(true);
    expect(deployment(objects).spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(deployment(render(major, chart)).spec.template.spec.automountServiceAccountToken).toBe(false);
    for (const o of objects) expect(strictK8sErrors(o)).toEqual([]);
  });

  test('an enabled Ingress routes its hosts to the Service port by name, with TLS and class when set', () => {
    const objects = render(major, chart, [
      '--set',
      'ingress.enabled=true',
      '--set',
      'ingress.className=nginx',
      '--set-string',
      'ingress.annotations.nginx\\.ingress\\.kubernetes\\.io/proxy-body-size=1m',
      '--set',
      'ingress.hosts[0].host=api.example.com',
      '--set',
      'ingress.hosts[0].paths[0].path=/',
      '--set',
      'ingress.hosts[0].paths[0].pathType=Prefix',
      '--set',
      'ingress.tls[0].secretName=api-tls',
      '--set',
      'ingress.tls[0].hosts[0]=api.example.com',
    ]);
    const ingress = kind(objects, 'Ingress')[0]!;
    expect(strictK8sErrors(ingress)).toEqual([]);
    expect(ingress.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/proxy-body-size': '1m' });
    expect(ingress.spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ secretName: 'api-tls', hosts: ['api.example.com'] }],
      rules: [{ host: 'api.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: svc, port: { name: 'http' } } } }] } }],
    });
    expect(kind(objects, 'Service')[0]!.spec.ports.map((p: K8sObject) => p.name)).toContain('http');
    expect(kind(render(major, chart), 'Ingress')).toEqual([]);
    expect(
      kind(
        render(major, chart, [
          '--set',
          'track=canary',
          '--set',
          'ingress.enabled=true',
          '--set',
          'ingress.hosts[0].host=a.example.com',
          '--set',
          'ingress.hosts[0].paths[0].path=/',
          '--set',
          'ingress.hosts[0].paths[0].pathType=Prefix',
        ]),
        'Ingress',
      ),
    ).toEqual([]);
  });

  // The other chart stands for one generated by another mlgen version: its helpers differ. Helm
  // shares one template namespace across an umbrella chart, so a helper name two charts define is
  // resolved to one definition for both; chart-scoped names keep each chart's own.
  test('two generated charts render side by side as subcharts of one umbrella chart, each with its own helpers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlgen-umbrella-'));
    temp.push(dir);
    const umbrella = join(dir, 'platform');
    mkdirSync(join(umbrella, 'charts'), { recursive: true });
    writeFileSync(join(umbrella, 'Chart.yaml'), 'apiVersion: v2\nname: platform\nversion: 0.1.0\n');
    const other = minimalModel();
    cpSync(chart, join(umbrella, 'charts', svc), { recursive: true });
    cpSync(writeChart(other), join(umbrella, 'charts', other.service.name), { recursive: true });
    const helpers = join(umbrella, 'charts', other.service.name, 'templates/_helpers.tpl');
    const original = readFileSync(helpers, 'utf8');
    const changed = original.replace('.Values.nameOverride | default .Chart.Name | trunc 53', 'printf "%s-old" .Chart.Name | trunc 53');
    expect(changed).not.toBe(original);
    writeFileSync(helpers, changed);
    const objects = render(major, umbrella);
    const renamed = `${other.service.name}-old`;
    expect(
      kind(objects, 'Deployment')
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual([svc, renamed].sort());
    expect(
      kind(objects, 'Service')
        .map((s) => s.spec.selector['app.kubernetes.io/name'])
        .sort(),
    ).toEqual([svc, renamed].sort());
  });
});
