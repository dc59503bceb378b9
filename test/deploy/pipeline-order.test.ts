/**
 * The generated pipelines applied, stage by stage in orca's order (test/support/orca.ts), to a
 * model of the cluster that refuses what Kubernetes refuses (test/support/cluster.ts). Every bake
 * is a real Helm 3 render of the chart with the stage's overrides (rosco's HELM3 renderer); the
 * trigger parameters are what the generated CI script (deploy.yml "Spinnaker parameters") really
 * sends, plus orca's parameter defaults. No Spinnaker or cluster runs here: this checks the
 * pipelines against those documented rules.
 *
 * Scenarios, for every example and both test fixtures:
 * - first deploy: an empty namespace, no production image yet;
 * - later deploy: production runs, the canary passes;
 * - failed canary: production runs, the analysis fails, canary and baseline are cleaned up;
 * - rollback: after a later deploy, the rollback pipeline restores the previous image;
 * - (ServiceMonitor on) the commit that turns the ServiceMonitor on: production has none yet.
 * The stages run and the resources in the namespace after each scenario are kept as a golden file
 * per model (__snapshots__/pipeline-order/), so a reviewer sees what a deploy does.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { ServiceModel } from '../../src/config/model.js';
import { deployPipeline, rollbackPipeline } from '../../src/emit/spinnaker-pipeline.js';
import { deploymentName } from '../../src/emit/spinnaker-names.js';
import { deployParameters } from '../../src/ci/deploy.js';
import { writeChart } from '../emit/helm-chart.js';
import { bake, evaluateParams, type K8sObject, type Stage } from '../support/bake.js';
import { REPO } from '../support/cli.js';
import { Cluster } from '../support/cluster.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { runPipeline, type RunResult } from '../support/orca.js';

const OLD_SHA = 'a'.repeat(40);
const NEW_SHA = 'b'.repeat(40);
const CHART_REPO = 'https://github.com/example/service.git';

const temp: string[] = [];
afterAll(() => temp.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function models(): Promise<Array<[string, ServiceModel]>> {
  const out: Array<[string, ServiceModel]> = [
    ['fixture-minimal', minimalModel()],
    ['fixture-ab', abModel()],
  ];
  for (const name of readdirSync(path.join(REPO, 'examples')).sort()) {
    const file = path.join(REPO, 'examples', name, 'mlservice.yaml');
    if (existsSync(file)) out.push([`example-${name}`, (await loadConfig(file)).model]);
  }
  return out;
}

/**
 * The webhook parameters the generated deploy.yml sends: what its "Trigger the Spinnaker pipeline"
 * step (`mlgen-ci trigger-deploy`, src/ci/deploy.ts) computes from models.lock.json, for a build of
 * `sha` with production at `production` (unset on a first deploy). The step itself runs against a
 * webhook stub in test/ci/ci-bin.test.ts.
 */
async function ciParameters(model: ServiceModel, sha: string, production: string | undefined): Promise<Record<string, string>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mlgen-ci-'));
  temp.push(dir);
  const models = Object.fromEntries(
    model.models.map((m) => [m.name, { source: m.source.uri, registry: { registeredModel: m.name, version: '7', runId: `run-${m.name}` }, files: [], sha256: 'f'.repeat(64) }]),
  );
  writeFileSync(path.join(dir, 'models.lock.json'), JSON.stringify({ lockVersion: 1, models }));
  return deployParameters({ source: model.service.name, chartRepo: CHART_REPO, baseline: production ?? '', tag: sha }, path.join(dir, 'models.lock.json'));
}

/** Trigger parameters as orca sees them: the sent ones over each parameterConfig default. */
function withDefaults(pipeline: { parameterConfig: Array<{ name: string; default: string }> }, sent: Record<string, string>): Record<string, string> {
  return { ...Object.fromEntries(pipeline.parameterConfig.map((p) => [p.name, p.default])), ...sent };
}

interface Outcome {
  run: RunResult;
  cluster: Cluster;
  trace: string[];
  /** Per analysis run: canary and baseline pods existed and were scraped. */
  analysed: boolean[];
}

/**
 * The chart of each commit the scenario deploys, by git SHA: a bake reads the chart at the commit
 * its `git/repo` artifact names (the baseline's is production's commit, not the new one).
 */
type Charts = Record<string, string>;

function chartFor(charts: Charts, stage: Stage, params: Record<string, string>): string {
  const sha = evaluateParams(stage.inputArtifacts[0].artifact.version, params);
  const chart = charts[sha];
  if (!chart) throw new Error(`${stage.name}: no chart for commit ${sha}`);
  return chart;
}

function execute(model: ServiceModel, charts: Charts, pipeline: { stages: Stage[] }, params: Record<string, string>, start: Cluster, analysisPasses: boolean): Outcome {
  const cluster = start.clone();
  const artifacts = new Map<string, K8sObject[]>();
  const detail = new Map<string, string>();
  const analysed: boolean[] = [];
  const ns = model.deploy.kubernetes.namespace;
  const work = (s: Stage): boolean => {
    const note = (ok: boolean, text: string) => {
      detail.set(s.refId, text);
      return ok;
    };
    if (s.type === 'bakeManifest') {
      const objects = bake(chartFor(charts, s, params), s, params);
      artifacts.set(s.expectedArtifacts[0].id, objects);
      return note(true, `rendered ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
    }
    if (s.type === 'deployManifest') {
      const objects = artifacts.get(s.manifestArtifactId);
      if (!objects) return note(false, `artifact ${s.manifestArtifactId} not found`);
      const problems = cluster.apply(objects, s.namespaceOverride);
      return note(problems.length === 0, problems.length ? `FAILED ${problems.join('; ')}` : `applied ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
    }
    if (s.type === 'deleteManifest') {
      const [kind, name] = (s.manifestName as string).split(' ');
      cluster.delete(kind === 'deployment' ? 'Deployment' : kind!, s.location, name!);
      return note(true, `deleted ${s.manifestName}`);
    }
    if (s.type === 'kayentaCanary') {
      const pods = ['canary', 'baseline'].flatMap((t) => cluster.pods(ns).filter((p) => p.deployment === deploymentName(model, t as 'canary' | 'baseline')));
      const viaServiceMonitor = model.deploy.kubernetes.serviceMonitor;
      const seen = pods.length === 2 && pods.every((p) => (viaServiceMonitor ? cluster.scraped(p) : cluster.servicesSelecting(p).length > 0));
      analysed.push(seen);
      if (!seen) return note(false, 'FAILED no data: canary or baseline pods missing or not scraped (NODATA)');
      return note(analysisPasses, analysisPasses ? 'canary and baseline scraped; judge passes' : 'canary and baseline scraped; judge fails the canary');
    }
    return note(true, s.type === 'checkPreconditions' ? 'precondition checked' : s.type);
  };
  const run = runPipeline(pipeline.stages, params, work);
  // One line per stage, in the pipeline's order: its final status and what it did.
  const trace = pipeline.stages.map((s) => `${s.refId} ${run.status.get(s.refId)}${detail.has(s.refId) ? `: ${detail.get(s.refId)}` : ''}`);
  return { run, cluster, trace, analysed };
}

const stableImage = (c: Cluster, model: ServiceModel) => c.get('Deployment', model.deploy.kubernetes.namespace, model.service.name)?.spec.template.spec.containers[0].image as string | undefined;

describe.each(await models())('%s: deploys in pipeline order', (label, model) => {
  // Both commits have the same chart unless a scenario says otherwise.
  const chart = writeChart(model);
  const charts: Charts = { [OLD_SHA]: chart, [NEW_SHA]: chart };
  const deploy = deployPipeline(model) as { stages: Stage[]; parameterConfig: Array<{ name: string; default: string }> };
  const rollback = rollbackPipeline(model) as { stages: Stage[]; parameterConfig: Array<{ name: string; default: string }> };
  const ns = model.deploy.kubernetes.namespace;
  const image = (sha: string) => `${model.deploy.image.registry}/${model.deploy.image.repository}:${sha}`;
  const empty = new Cluster([ns]);
  const report: string[] = [];
  const record = (title: string, o: Outcome) => report.push(`## ${title}: ${o.run.final}`, ...o.trace, `resources: ${o.cluster.inventory(ns).join(', ')}`, '');

  let first: Outcome;
  let later: Outcome;
  beforeAll(async () => {
    first = execute(model, charts, deploy, withDefaults(deploy, await ciParameters(model, OLD_SHA, undefined)), empty, true);
    later = execute(model, charts, deploy, withDefaults(deploy, await ciParameters(model, NEW_SHA, OLD_SHA)), first.cluster, true);
  });

  it('first deploy: production is created from nothing and nothing is left broken', () => {
    record('first deploy', first);
    expect(first.trace.filter((t) => t.includes('FAILED'))).toEqual([]);
    expect(first.run.final).toBe('SUCCEEDED');
    expect(stableImage(first.cluster, model)).toBe(image(OLD_SHA));
    expect(first.cluster.problems()).toEqual([]);
    expect(first.cluster.list('Deployment').map((d) => d.metadata.name)).toEqual([model.service.name]);
  });

  it('later deploy: canary and baseline run beside production, are analysed with data, then production moves', () => {
    record('later deploy', later);
    expect(later.trace.filter((t) => t.includes('FAILED'))).toEqual([]);
    expect(later.analysed).toEqual([true]);
    expect(later.run.final).toBe('SUCCEEDED');
    expect(stableImage(later.cluster, model)).toBe(image(NEW_SHA));
    expect(later.cluster.problems()).toEqual([]);
    expect(later.cluster.list('Deployment').map((d) => d.metadata.name)).toEqual([model.service.name]);
  });

  it('failed canary: production is untouched, canary and baseline are removed, the pipeline fails', async () => {
    const failed = execute(model, charts, deploy, withDefaults(deploy, await ciParameters(model, NEW_SHA, OLD_SHA)), first.cluster, false);
    record('failed canary', failed);
    expect(failed.analysed).toEqual([true]);
    expect(failed.run.final).toBe('TERMINAL');
    expect(failed.run.ran).not.toContain('deploy-production');
    expect(stableImage(failed.cluster, model)).toBe(image(OLD_SHA));
    expect(failed.cluster.problems()).toEqual([]);
    expect(failed.cluster.list('Deployment').map((d) => d.metadata.name)).toEqual([model.service.name]);
  });

  it('rollback: the rollback pipeline puts the previous image back with its chart', () => {
    const params = withDefaults(rollback, { imageTag: OLD_SHA, chartRepo: CHART_REPO });
    const back = execute(model, charts, rollback, params, later.cluster, true);
    record('rollback', back);
    expect(back.trace.filter((t) => t.includes('FAILED'))).toEqual([]);
    expect(back.run.final).toBe('SUCCEEDED');
    expect(stableImage(back.cluster, model)).toBe(image(OLD_SHA));
    expect(back.cluster.problems()).toEqual([]);
  });

  it.runIf(model.deploy.kubernetes.serviceMonitor)('the commit that turns the ServiceMonitor on: the canary is scraped before production has one', async () => {
    const before = { ...model, deploy: { ...model.deploy, kubernetes: { ...model.deploy.kubernetes, serviceMonitor: false } } };
    // Production runs the older commit, whose chart has no ServiceMonitor; the baseline is baked from it.
    const withoutMonitor: Charts = { [OLD_SHA]: writeChart(before), [NEW_SHA]: chart };
    const old = execute(before, withoutMonitor, deployPipeline(before) as typeof deploy, withDefaults(deploy, await ciParameters(model, OLD_SHA, undefined)), empty, true);
    expect(old.cluster.list('ServiceMonitor')).toEqual([]);
    const upgrade = execute(model, withoutMonitor, deploy, withDefaults(deploy, await ciParameters(model, NEW_SHA, OLD_SHA)), old.cluster, true);
    record('later deploy that adds the ServiceMonitor', upgrade);
    expect(upgrade.analysed).toEqual([true]);
    expect(upgrade.run.final).toBe('SUCCEEDED');
    expect(upgrade.cluster.problems()).toEqual([]);
  });

  it('the stages and resources of every scenario are as reviewed', async () => {
    await expect(report.join('\n')).toMatchFileSnapshot(`__snapshots__/pipeline-order/${label}.md`);
  });
});
