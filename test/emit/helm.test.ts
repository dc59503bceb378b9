/**
 * The chart proven by its consumers: real Helm 3 and Helm 4 lint and render it for every track,
 * every rendered object passes a strict Kubernetes schema check and the restricted Pod Security
 * Standard, and values.schema.json makes Helm itself reject bad overrides.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ENV, PATHS, POD_TARGET_LABELS } from '../../runtime/src/names.js';
import type { ServiceModel } from '../../src/config/model.js';
import { emitHelm } from '../../src/emit/helm.js';
import { HELM_MAJORS, helm } from '../support/helm.js';
import { labelSyntaxErrors, restrictedPssErrors, strictK8sErrors } from '../support/k8s-strict.js';
import { chartModels, render, writeChart, type K8sObject } from './helm-chart.js';

const models = await chartModels();

function byKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

function only(objects: K8sObject[], kind: string): K8sObject {
  const found = byKind(objects, kind);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function expectValid(objects: K8sObject[]): void {
  for (const o of objects) expect(strictK8sErrors(o), `${o.kind} ${o.metadata?.name}`).toEqual([]);
  for (const o of objects) expect(labelSyntaxErrors(o), `${o.kind} ${o.metadata?.name}`).toEqual([]);
  for (const d of byKind(objects, 'Deployment')) expect(restrictedPssErrors(d.spec.template.spec)).toEqual([]);
}

function stableKinds(model: ServiceModel, serviceMonitor: boolean): string[] {
  const { min, max } = model.deploy.kubernetes.replicas;
  return ['Deployment', ...(max > min ? ['HorizontalPodAutoscaler'] : []), ...(min > 1 ? ['PodDisruptionBudget'] : []), 'Service', 'ServiceAccount', ...(serviceMonitor ? ['ServiceMonitor'] : [])];
}

describe.each(models)('%s chart', (_label, model) => {
  const svc = model.service.name;
  let chart: string;
  beforeAll(() => {
    chart = writeChart(model);
  });

  describe.each(HELM_MAJORS)('Helm %i', (major) => {
    test('helm lint --strict passes', () => {
      const r = helm(major, ['lint', '--strict', chart]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(r.status).toBe(0);
    });

    test('track=stable renders the Deployment, Service, HPA, PDB and ServiceAccount, all named after the service', () => {
      const objects = render(major, chart, ['--set', 'track=stable']);
      expectValid(objects);
      expect(objects.map((o) => o.kind).sort()).toEqual(stableKinds(model, model.deploy.kubernetes.serviceMonitor));
      expect(objects.map((o) => o.metadata.name)).toEqual(objects.map(() => svc));
      const deployment = only(objects, 'Deployment');
      expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': svc, track: 'stable' });
      expect(deployment.spec.template.metadata.labels.track).toBe('stable');
      expect(only(objects, 'Service').spec.selector).toEqual({ 'app.kubernetes.io/name': svc });
      for (const hpa of byKind(objects, 'HorizontalPodAutoscaler')) {
        expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: svc });
        expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([model.deploy.kubernetes.replicas.min, model.deploy.kubernetes.replicas.max]);
        expect('replicas' in deployment.spec).toBe(false);
      }
    });

    test.each(['canary', 'baseline'])('track=%s renders only a Deployment <svc>-<track> selecting its own track', (track) => {
      const objects = render(major, chart, ['--set', `track=${track}`, '--set', 'serviceMonitor.enabled=true']);
      expectValid(objects);
      expect(objects).toHaveLength(1);
      const deployment = only(objects, 'Deployment');
      expect(deployment.metadata.name).toBe(`${svc}-${track}`);
      expect(deployment.metadata.labels.track).toBe(track);
      expect(deployment.spec.replicas).toBe(model.deploy.spinnaker.canary.replicas);
      expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': svc, track });
      expect(deployment.spec.template.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': svc, track });
    });

    test('track=shared renders only what every track relies on: ServiceAccount, Service, ServiceMonitor, Ingress, NetworkPolicy', () => {
      const ingress = [
        '--set',
        'ingress.enabled=true',
        '--set',
        'ingress.hosts[0].host=api.example.com',
        '--set',
        'ingress.hosts[0].paths[0].path=/',
        '--set',
        'ingress.hosts[0].paths[0].pathType=Prefix',
        '--set',
        'networkPolicy.enabled=true',
      ];
      const objects = render(major, chart, ['--set', 'track=shared', '--set', 'serviceMonitor.enabled=true', ...ingress]);
      expectValid(objects);
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([`Ingress/${svc}`, `NetworkPolicy/${svc}`, `Service/${svc}`, `ServiceAccount/${svc}`, `ServiceMonitor/${svc}`]);
      // The same objects as a stable render: applying the shared bake first changes nothing stable relies on.
      const stable = render(major, chart, ['--set', 'serviceMonitor.enabled=true', ...ingress]).filter(
        (o) => o.kind !== 'Deployment' && o.kind !== 'HorizontalPodAutoscaler' && o.kind !== 'PodDisruptionBudget',
      );
      expect(objects.sort((a, b) => a.kind.localeCompare(b.kind))).toEqual(stable.sort((a, b) => a.kind.localeCompare(b.kind)));
    });

    test('serviceMonitor.enabled adds a ServiceMonitor that scrapes the Service port at the runtime metrics path', () => {
      const objects = render(major, chart, ['--set', 'serviceMonitor.enabled=true', '--set', 'serviceMonitor.labels.release=prom']);
      expectValid(objects);
      const sm = only(objects, 'ServiceMonitor');
      expect(sm.metadata.labels.release).toBe('prom');
      expect(sm.spec).toEqual({
        selector: { matchLabels: { 'app.kubernetes.io/name': svc } },
        podTargetLabels: [...POD_TARGET_LABELS],
        endpoints: [{ port: 'http', path: PATHS.metrics, interval: '30s', scrapeTimeout: '10s', honorLabels: false }],
      });
      const honoring = only(render(major, chart, ['--set', 'serviceMonitor.enabled=true', '--set', 'serviceMonitor.honorLabels=true']), 'ServiceMonitor');
      expect(honoring.spec.endpoints[0].honorLabels).toBe(true);
    });

    test.each([
      [
        ['--set', 'track=prod'],
        { 3: '- track: track must be one of the following: "stable", "canary", "baseline", "shared"', 4: "- at '/track': value must be one of 'stable', 'canary', 'baseline', 'shared'" },
      ],
      [['--set', 'ingress.enabled=true'], { 3: '- ingress.hosts: Array must have at least 1 items', 4: "- at '/ingress/hosts': minItems: got 0, want 1" }],
      [
        ['--set', 'probes.liveness.successThreshold=2'],
        { 3: '- probes.liveness: Additional property successThreshold is not allowed', 4: "- at '/probes/liveness': additional properties 'successThreshold' not allowed" },
      ],
      [['--set', 'fullnameOverride=Not_A_Name'], { 3: '- fullnameOverride: Does not match pattern', 4: "- at '/fullnameOverride': 'Not_A_Name' does not match pattern" }],
      [['--set', 'replicas.min=-1'], { 3: '- replicas.min: Must be greater than or equal to 1', 4: "- at '/replicas/min': minimum: got -1, want 1" }],
      [['--set', 'models.unknown-model.version=1'], { 3: '- models: Additional property unknown-model is not allowed', 4: "- at '/models': additional properties 'unknown-model' not allowed" }],
      [
        ['--set', `models.${model.models[0]!.name}.runId=abc`],
        { 3: `- models.${model.models[0]!.name}.version: String length must be greater than or equal to 1`, 4: `- at '/models/${model.models[0]!.name}/version': minLength: got 0, want 1` },
      ],
      [['--set', 'resources.requests.cpu=lots'], { 3: '- resources.requests.cpu: Does not match pattern', 4: "- at '/resources/requests/cpu': 'lots' does not match pattern" }],
      [['--set', 'image.tag=-bad'], { 3: '- image.tag: Does not match pattern', 4: "- at '/image/tag': '-bad' does not match pattern" }],
      [
        ['--set', 'runtime.inferenceThread=threads'],
        {
          3: '- runtime.inferenceThread: runtime.inferenceThread must be one of the following: "", "auto", "main", "worker"',
          4: "- at '/runtime/inferenceThread': value must be one of '', 'auto', 'main', 'worker'",
        },
      ],
      [['--set', 'runtime.ortThreads=two'], { 3: '- runtime.ortThreads: Does not match pattern', 4: "- at '/runtime/ortThreads': 'two' does not match pattern" }],
      [['--set', 'runtime.inferenceNice=20'], { 3: '- runtime.inferenceNice: Must be less than or equal to 19', 4: "- at '/runtime/inferenceNice': maximum: got 20, want 19" }],
      [['--set-string', 'runtime.inferenceNice=-5'], { 3: '- runtime.inferenceNice: Does not match pattern', 4: "- at '/runtime/inferenceNice': '-5' does not match pattern" }],
      // Auth on without a Secret to read: pods that could never start.
      [['--set', 'auth.enabled=true'], { 3: '- auth.secretName: String length must be greater than or equal to 1', 4: "- at '/auth/secretName': minLength: got 0, want 1" }],
      [
        ['--set', 'networkPolicy.prometheus.podSelector.app=prometheus'],
        { 3: '- networkPolicy.prometheus.podSelector: Additional property app is not allowed', 4: "- at '/networkPolicy/prometheus/podSelector': additional properties 'app' not allowed" },
      ],
    ])('values.schema.json rejects %j', (args, messages) => {
      const r = helm(major, ['template', 'rel', chart, ...args]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`Error: values don't meet the specifications of the schema(s) in the following chart(s):\n${svc}:\n`);
      expect(r.stderr).toContain(messages[major]);
    });

    test('revision, image tag and model versions from CI reach the pod labels, annotations and env', () => {
      const model0 = model.models[0]!.name;
      const objects = render(major, chart, [
        '--set-string',
        'revision=0123456789abcdef0123456789abcdef01234567',
        '--set-string',
        'image.tag=0123456-m13',
        '--set-string',
        `models.${model0}.version=13`,
        '--set-string',
        `models.${model0}.runId=3f2a9c`,
      ]);
      const pod = only(objects, 'Deployment').spec.template;
      const image = `${model.deploy.image.registry}/${model.deploy.image.repository}:0123456-m13`;
      expect(pod.spec.containers[0].image).toBe(image);
      expect(pod.metadata.labels['mlservice.io/revision']).toBe('0123456789abcdef0123456789abcdef01234567');
      expect(pod.metadata.labels[`${model0}.models.mlservice.io/version`]).toBe('13');
      expect(pod.metadata.annotations).toMatchObject({
        'mlservice.io/image': image,
        'mlservice.io/revision': '0123456789abcdef0123456789abcdef01234567',
        [`${model0}.models.mlservice.io/version`]: '13',
        [`${model0}.models.mlservice.io/run-id`]: '3f2a9c',
      });
      expect(pod.spec.containers[0].env).toEqual([
        { name: ENV.port, value: String(model.server.port) },
        { name: ENV.revision, value: '0123456789abcdef0123456789abcdef01234567' },
      ]);
    });

    test('runtime tuning values become the runtime environment variables, 0 threads and nice 0 included', () => {
      const set = ['--set', 'runtime.ortThreads=0', '--set', 'runtime.inferenceThread=worker', '--set', 'runtime.inferenceNice=0', '--set', 'runtime.logLevel=warn'];
      const env = only(render(major, chart, set), 'Deployment').spec.template.spec.containers[0].env;
      expect(env).toEqual([
        { name: ENV.port, value: String(model.server.port) },
        { name: ENV.ortThreads, value: '0' },
        { name: ENV.inferenceThread, value: 'worker' },
        { name: ENV.inferenceNice, value: '0' },
        { name: ENV.logLevel, value: 'warn' },
      ]);
    });

    test('without values from a bake the pods claim no model and no revision (no default is a guess)', () => {
      const pod = only(render(major, chart), 'Deployment').spec.template;
      const image = `${model.deploy.image.registry}/${model.deploy.image.repository}:${model.service.version}`;
      expect(pod.metadata.annotations).toEqual({ 'mlservice.io/image': image });
      expect(Object.keys(pod.metadata.labels).filter((k) => k.includes('mlservice.io/'))).toEqual([]);
      expect(pod.spec.containers[0].env.map((e: { name: string }) => e.name)).toEqual([ENV.port]);
    });

    test('a model set with a version and no run id claims exactly that; unset models claim nothing', () => {
      const first = model.models[0]!.name;
      const pod = only(render(major, chart, ['--set-string', `models.${first}.version=sha256-0123456789ab`, '--set-string', `models.${first}.runId=`]), 'Deployment').spec.template;
      const claims = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).filter(([k]) => k.includes('.models.mlservice.io/')));
      expect(claims(pod.metadata.annotations)).toEqual({ [`${first}.models.mlservice.io/version`]: 'sha256-0123456789ab', [`${first}.models.mlservice.io/run-id`]: '' });
      expect(claims(pod.metadata.labels)).toEqual({ [`${first}.models.mlservice.io/version`]: 'sha256-0123456789ab' });
    });

    test('probes hit the runtime health paths; preStop + drain fit in the grace period', () => {
      const c = only(render(major, chart), 'Deployment').spec.template.spec;
      const probe = (path: string) => ({ path, port: 'http' });
      expect(c.containers[0].startupProbe.httpGet).toEqual(probe(PATHS.ready));
      expect(c.containers[0].readinessProbe.httpGet).toEqual(probe(PATHS.ready));
      expect(c.containers[0].livenessProbe.httpGet).toEqual(probe(PATHS.live));
      expect(c.containers[0].ports).toEqual([{ name: 'http', containerPort: model.server.port, protocol: 'TCP' }]);
      expect(c.containers[0].resources).toEqual(model.deploy.kubernetes.resources);
      const drain = Math.ceil(model.server.shutdownGraceMs / 1000);
      expect(c.terminationGracePeriodSeconds).toBe(5 + drain + 5);
      expect(c.terminationGracePeriodSeconds).toBeGreaterThan(5 + drain);
    });

    test('preStop uses the sleep handler from Kubernetes 1.30 and node (no shell in the image) before', () => {
      const preStop = (kube: string) => only(render(major, chart, ['--kube-version', kube]), 'Deployment').spec.template.spec.containers[0].lifecycle.preStop;
      expect(preStop('1.30.0')).toEqual({ sleep: { seconds: 5 } });
      expect(preStop('1.29.4')).toEqual({ exec: { command: ['node', '-e', 'setTimeout(() => {}, 5000)'] } });
      const forced = render(major, chart, ['--kube-version', '1.33.0', '--set', 'shutdown.preStopAction=exec']);
      expect(only(forced, 'Deployment').spec.template.spec.containers[0].lifecycle.preStop.exec.command[0]).toBe('node');
    });
  });

  test('templates are the files of templates/helm, byte for byte but for the chart name in <CHARTNAME>', () => {
    const templates = emitHelm(model).filter((f) => f.path.includes('/templates/'));
    expect(templates.map((f) => f.path.split('/').pop())).toEqual([
      'NOTES.txt',
      '_helpers.tpl',
      'deployment.yaml',
      'hpa.yaml',
      'ingress.yaml',
      'networkpolicy.yaml',
      'pdb.yaml',
      'service.yaml',
      'serviceaccount.yaml',
      'servicemonitor.yaml',
    ]);
    for (const f of templates) {
      const source = readFileSync(join(import.meta.dirname, '../../templates/helm', f.path.split('/').pop()!), 'utf8');
      expect(f.content).toBe(source.split('<CHARTNAME>').join(svc));
    }
  });

  test('every helper the templates define or include is scoped to this chart', () => {
    const text = emitHelm(model)
      .filter((f) => f.path.includes('/templates/'))
      .map((f) => f.content)
      .join('\n');
    const names = [...text.matchAll(/\b(?:define|include|template) "([^"]+)"/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((n) => !n.startsWith(`${svc}.`))).toEqual([]);
  });
});
