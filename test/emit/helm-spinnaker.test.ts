/**
 * The chart baked the way Spinnaker's Rosco bakes it: `helm template <outputName> <chart>
 * --namespace <ns> --set-string <override>...` with every bake stage's overrides from the generated
 * pipeline.json, SpEL trigger parameters filled with the values CI sends. This is the pipeline's
 * documented contract exercised with real Helm, not a Spinnaker run.
 */
import { describe, expect, test } from 'vitest';
import { emitAll } from '../../src/emit/index.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { HELM_MAJORS } from '../support/helm.js';
import { restrictedPssErrors, strictK8sErrors } from '../support/k8s-strict.js';
import { render, writeChart } from './helm-chart.js';

interface BakeStage {
  type: string;
  name: string;
  namespace: string;
  outputName: string;
  rawOverrides?: boolean;
  overrides: Record<string, string>;
}

const SHA = '0123456789abcdef0123456789abcdef01234567';

/** What the CI glue sends as trigger parameters (deploy.md §6.1). */
function triggerParameter(name: string): string {
  if (name === 'imageTag') return '0123456-m12';
  if (name === 'baselineImageTag') return '89abcde-m11';
  if (name === 'gitSha') return SHA;
  if (name.startsWith('modelVersion_')) return 'sha256-0123456789ab';
  if (name.startsWith('modelRunId_')) return 'f'.repeat(32);
  throw new Error(`no sample value for trigger parameter ${name}`);
}

/** Evaluates the only SpEL form bake overrides use: `${ trigger['parameters']['<name>'] }`. */
function evaluate(value: string): string {
  return value.replace(/\$\{ trigger\['parameters'\]\['([^']+)'\] \}/g, (_m, name: string) => triggerParameter(name));
}

describe.each([
  ['activity-ranker', abModel()],
  ['scorer', minimalModel()],
])('%s', (svc, model) => {
  const files = emitAll(model);
  const pipeline = JSON.parse(files.find((f) => f.path === 'deploy/spinnaker/pipeline.json')!.content);
  const bakes = (pipeline.stages as BakeStage[]).filter((s) => s.type === 'bakeManifest');
  const chart = writeChart(model);

  test('the pipeline bakes the shared objects and all three tracks with string overrides', () => {
    expect(bakes.map((b) => b.overrides.track).sort()).toEqual(['baseline', 'canary', 'shared', 'stable']);
    for (const b of bakes) expect(b.rawOverrides ?? false).toBe(false);
  });

  describe.each(HELM_MAJORS)('Helm %i', (major) => {
    test.each(['canary', 'baseline', 'stable'])('the %s bake renders valid, restricted objects for that track', (track) => {
      const bake = bakes.find((b) => b.overrides.track === track)!;
      const sets = Object.entries(bake.overrides).flatMap(([k, v]) => ['--set-string', `${k}=${evaluate(v)}`]);
      const objects = render(major, chart, ['--namespace', bake.namespace, ...sets]);
      for (const o of objects) expect(strictK8sErrors(o)).toEqual([]);
      const deployment = objects.find((o) => o.kind === 'Deployment')!;
      expect(deployment.metadata.name).toBe(track === 'stable' ? svc : `${svc}-${track}`);
      expect(restrictedPssErrors(deployment.spec.template.spec)).toEqual([]);
      const tag = track === 'baseline' ? '89abcde-m11' : '0123456-m12';
      expect(deployment.spec.template.spec.containers[0].image).toBe(`${model.deploy.image.registry}/${model.deploy.image.repository}:${tag}`);
      expect(objects.map((o) => o.kind).includes('Service')).toBe(track === 'stable');
    });

    test('the shared bake renders valid objects and no pod', () => {
      const bake = bakes.find((b) => b.overrides.track === 'shared')!;
      const sets = Object.entries(bake.overrides).flatMap(([k, v]) => ['--set-string', `${k}=${evaluate(v)}`]);
      const objects = render(major, chart, ['--namespace', bake.namespace, ...sets]);
      for (const o of objects) expect(strictK8sErrors(o)).toEqual([]);
      expect(objects.map((o) => o.kind).sort()).toEqual(['Service', 'ServiceAccount', ...(model.deploy.kubernetes.serviceMonitor ? ['ServiceMonitor'] : [])]);
    });
  });
});
