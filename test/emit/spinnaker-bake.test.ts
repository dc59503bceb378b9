/**
 * The pipeline's bake stages against the real chart and a real Helm 3 (Spinnaker bakes with
 * HELM3 through rosco, which runs `helm template <outputName> <chart> --namespace <ns>` with each
 * override as `--set-string key=value`). The trigger parameters are substituted the way orca
 * would evaluate `${ trigger['parameters']['x'] }`. What the deploy and delete stages name must
 * be what the chart renders.
 */
import { describe, expect, it } from 'vitest';
import { chartDir } from '../../src/emit/helm.js';
import { deployPipeline, rollbackPipeline } from '../../src/emit/spinnaker-pipeline.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { render, writeChart, type K8sObject } from './helm-chart.js';

type Json = Record<string, any>;
const PARAMS: Record<string, string> = {
  imageTag: '1111111111111111111111111111111111111111',
  baselineImageTag: '0000000000000000000000000000000000000000',
  gitSha: '1111111111111111111111111111111111111111',
  'modelVersion_ranker-control': '12',
  'modelRunId_ranker-control': 'run12',
  'modelVersion_ranker-treatment': '13',
  'modelRunId_ranker-treatment': 'run13',
  modelVersion_scorer: 'sha256-0123456789ab',
  modelRunId_scorer: '',
};

/** Evaluates the one SpEL form bake overrides use. */
function evaluate(value: string): string {
  const m = /^\$\{ trigger\['parameters'\]\['([^']+)'\] \}$/.exec(value);
  if (!m) return value;
  const v = PARAMS[m[1]!];
  if (v === undefined) throw new Error(`no sample value for parameter ${m[1]}`);
  return v;
}

function bake(chart: string, stage: Json): K8sObject[] {
  const sets = Object.entries(stage.overrides as Record<string, string>).flatMap(([k, v]) => ['--set-string', `${k}=${evaluate(v)}`]);
  return render(3, chart, ['--namespace', stage.namespace, ...sets]);
}

describe.each([
  ['minimal', minimalModel],
  ['ab', abModel],
])('bake stages render the chart (%s, Helm 3)', (_n, make) => {
  const model = make();
  const chart = writeChart(model);
  const stages: Json[] = (deployPipeline(model) as Json).stages;
  const byRef = (r: string) => stages.find((s) => s.refId === r)!;

  it('reads the chart from the directory the chart emitter writes', () => {
    for (const s of stages.filter((x) => x.type === 'bakeManifest')) expect(s.helmChartFilePath).toBe(chartDir(model));
  });

  it.each([
    ['bake-canary', 'canary', 'delete-canary', PARAMS.imageTag],
    ['bake-baseline', 'baseline', 'delete-baseline', PARAMS.baselineImageTag],
    ['bake-stable', 'stable', undefined, PARAMS.imageTag],
  ])('%s renders one %s Deployment that the pipeline can find', (refId, track, deleteRef, tag) => {
    const objects = bake(chart, byRef(refId));
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    expect(deployments.length).toBe(1);
    const d = deployments[0]!;
    const name = track === 'stable' ? model.service.name : `${model.service.name}-${track}`;
    expect(d.metadata.name).toBe(name);
    if (deleteRef) expect(byRef(deleteRef).manifestName).toBe(`deployment ${d.metadata.name}`);
    expect(d.spec.template.metadata.labels.track).toBe(track);
    const image = `${model.deploy.image.registry}/${model.deploy.image.repository}:${tag}`;
    expect(d.spec.template.spec.containers.map((c: Json) => c.image)).toEqual([image]);
    const annotations = d.spec.template.metadata.annotations as Record<string, string>;
    expect(annotations['mlservice.io/revision']).toBe(tag);
    // The trigger's model parameters describe the new build; the baseline runs production's image,
    // so its pods must claim no model at all rather than the new build's (or the config's) versions.
    const claimed: Record<string, string> = {};
    if (track !== 'baseline') {
      for (const m of model.models) {
        claimed[`${m.name}.models.mlservice.io/version`] = PARAMS[`modelVersion_${m.name}`]!;
        claimed[`${m.name}.models.mlservice.io/run-id`] = PARAMS[`modelRunId_${m.name}`]!;
      }
    }
    const claims = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).filter(([k]) => k.includes('.models.mlservice.io/')));
    expect(claims(annotations)).toEqual(claimed);
    expect(claims(d.spec.template.metadata.labels)).toEqual(Object.fromEntries(Object.entries(claimed).filter(([k]) => k.endsWith('/version'))));
    // canary and baseline render only their Deployment: the Service, HPA, PDB stay with stable
    if (track !== 'stable') expect(objects.map((o) => o.kind)).toEqual(['Deployment']);
  });

  it('the rollback bake renders the stable Deployment at the requested tag', () => {
    const stage = (rollbackPipeline(model) as Json).stages[0];
    const d = bake(chart, stage).find((o) => o.kind === 'Deployment')!;
    expect(d.metadata.name).toBe(model.service.name);
    expect(d.spec.template.spec.containers[0].image.endsWith(`:${PARAMS.imageTag}`)).toBe(true);
    // The old image's models are not in the rollback trigger: no model claim on its pods.
    expect(Object.keys(d.spec.template.metadata.annotations).filter((k) => k.includes('.models.mlservice.io/'))).toEqual([]);
  });
});
