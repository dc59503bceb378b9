import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../runtime/src/names.js';
import { countBalancedTemplates } from '../../src/emit/spel.js';
import { emitSpinnaker } from '../../src/emit/spinnaker.js';
import { SPINNAKER_PATHS, pipelineId } from '../../src/emit/spinnaker-names.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';

type Json = Record<string, any>;
const schema = (name: string) => JSON.parse(readFileSync(new URL(`../../schemas/spinnaker/${name}`, import.meta.url), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
const validatePipeline = ajv.compile(schema('pipeline.schema.json'));
const validateCanary = ajv.compile(schema('canary-config.schema.json'));

const fixtures = { minimal: minimalModel, ab: abModel };

function outputs(model = abModel()) {
  const files = emitSpinnaker(model);
  const get = (path: string) => {
    const f = files.find((x) => x.path === path);
    if (!f) throw new Error(`missing ${path}`);
    return f;
  };
  return { files, get, json: (path: string) => JSON.parse(get(path).content) as Json };
}

describe.each(Object.entries(fixtures))('spinnaker outputs for the %s fixture', (name, make) => {
  const o = outputs(make());

  it('emits three generated JSON files, 2-space, one trailing newline', () => {
    expect(o.files.map((f) => f.path)).toEqual([SPINNAKER_PATHS.pipeline, SPINNAKER_PATHS.rollback, SPINNAKER_PATHS.canaryConfig]);
    for (const f of o.files) {
      expect(f.owner).toBe('generated');
      expect(f.content).toBe(JSON.stringify(JSON.parse(f.content), null, 2) + '\n');
      expect(f.content.endsWith('}\n')).toBe(true);
    }
  });

  it('matches the golden files', async () => {
    for (const f of o.files) {
      await expect(f.content).toMatchFileSnapshot(`__snapshots__/spinnaker-${name}/${f.path.split('/').pop()}`);
    }
  });

  it.each([SPINNAKER_PATHS.pipeline, SPINNAKER_PATHS.rollback])('%s passes the pipeline schema', (path) => {
    const ok = validatePipeline(o.json(path));
    expect(validatePipeline.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('canary config passes the Kayenta schema', () => {
    const ok = validateCanary(o.json(SPINNAKER_PATHS.canaryConfig));
    expect(validateCanary.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('has balanced SpEL everywhere and no stray template outside the helper forms', () => {
    for (const path of [SPINNAKER_PATHS.pipeline, SPINNAKER_PATHS.rollback]) {
      const text = o.get(path).content;
      const n = countBalancedTemplates(text);
      expect(n).toBeGreaterThan(0);
      expect(text.match(/\$\{ trigger\['parameters'\]\['[A-Za-z0-9_-]+'\] \}/g)?.length).toBe(n);
    }
  });

  it('every Kubernetes stage names the provider, account and app', () => {
    const m = make();
    for (const path of [SPINNAKER_PATHS.pipeline, SPINNAKER_PATHS.rollback]) {
      for (const s of o.json(path).stages.filter((s: Json) => /Manifest$/.test(s.type) && s.type !== 'bakeManifest')) {
        expect([s.cloudProvider, s.account, s.moniker]).toEqual(['kubernetes', m.deploy.spinnaker.account, { app: m.deploy.spinnaker.application }]);
      }
    }
  });

  it('canary config queries only metrics the runtime exports, scoped by service and track', () => {
    const m = make();
    const exported = new Set<string>(Object.values(METRICS));
    const cfg = o.json(SPINNAKER_PATHS.canaryConfig);
    for (const metric of cfg.metrics) {
      const q: string = metric.query.customInlineTemplate;
      expect(q.startsWith('PromQL:')).toBe(true);
      const names = q.match(/\bmlservice_[a-z_]+/g) ?? [];
      expect(names.length).toBeGreaterThan(0);
      for (const n of [...names, metric.query.metricName]) {
        expect(exported.has(n.replace(/_(bucket|sum|count)$/, '')), n).toBe(true);
      }
      // every selector is scoped to the namespace, the service and the track: labels Prometheus sets when it scrapes
      const selectors = q.match(/\{[^{}]*\}/g)!.filter((s) => s.includes('='));
      for (const s of selectors) expect(s).toContain('track="${scope}"');
      for (const s of selectors) expect(s).toContain(`namespace="$\{location}",service="${m.service.name}",track="$\{scope}"`);
    }
    const weights = Object.values(cfg.classifier.groupWeights as Record<string, number>);
    expect(weights.reduce((a, b) => a + b, 0)).toBe(100);
    const groups = new Set(cfg.metrics.flatMap((x: Json) => x.groups));
    expect([...groups].sort()).toEqual(Object.keys(cfg.classifier.groupWeights).sort());
  });
});

describe('spinnaker pipeline details', () => {
  it('declares one version and run-id parameter per model and a webhook trigger named after the service', () => {
    const p = outputs().json(SPINNAKER_PATHS.pipeline);
    expect(p.triggers).toEqual([{ type: 'webhook', enabled: true, source: 'activity-ranker', payloadConstraints: {} }]);
    expect(p.parameterConfig.map((x: Json) => x.name)).toEqual([
      'imageTag',
      'baselineImageTag',
      'gitSha',
      'chartRepo',
      'chartArtifactAccount',
      'modelVersion_ranker-control',
      'modelRunId_ranker-control',
      'modelVersion_ranker-treatment',
      'modelRunId_ranker-treatment',
      'kayentaMetricsAccount',
      'kayentaStorageAccount',
    ]);
    expect(p.triggers.some((t: Json) => t.type === 'docker')).toBe(false);
    // CI leaves it empty on a first deploy, so it cannot be required.
    expect(p.parameterConfig.find((x: Json) => x.name === 'baselineImageTag')).toMatchObject({ required: false, default: '' });
  });

  it('gives each pipeline a stable id: a UUID of its application and name, the same on every run', () => {
    const a = outputs();
    const ids = [a.json(SPINNAKER_PATHS.pipeline).id, a.json(SPINNAKER_PATHS.rollback).id];
    expect(ids).toEqual([pipelineId('reco', 'activity-ranker-deploy'), pipelineId('reco', 'activity-ranker-rollback')]);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids[0]).not.toBe(ids[1]);
    const renamed = abModel();
    renamed.deploy.spinnaker.application = 'search';
    expect(outputs(renamed).json(SPINNAKER_PATHS.pipeline).id).not.toBe(ids[0]);
  });

  it('bakes the three tracks with the right images and models', () => {
    const stages: Json[] = outputs().json(SPINNAKER_PATHS.pipeline).stages;
    const bake = (refId: string) => stages.find((s) => s.refId === refId)!.overrides;
    expect(bake('bake-canary')).toEqual({
      track: 'canary',
      'image.repository': '123456789012.dkr.ecr.eu-central-1.amazonaws.com/reco/activity-ranker',
      'image.tag': "${ trigger['parameters']['imageTag'] }",
      revision: "${ trigger['parameters']['gitSha'] }",
      'models.ranker-control.version': "${ trigger['parameters']['modelVersion_ranker-control'] }",
      'models.ranker-control.runId': "${ trigger['parameters']['modelRunId_ranker-control'] }",
      'models.ranker-treatment.version': "${ trigger['parameters']['modelVersion_ranker-treatment'] }",
      'models.ranker-treatment.runId': "${ trigger['parameters']['modelRunId_ranker-treatment'] }",
    });
    expect(bake('bake-baseline')).toEqual({
      track: 'baseline',
      'image.repository': '123456789012.dkr.ecr.eu-central-1.amazonaws.com/reco/activity-ranker',
      'image.tag': "${ trigger['parameters']['baselineImageTag'] }",
      revision: "${ trigger['parameters']['baselineImageTag'] }",
    });
    expect(bake('bake-stable').track).toBe('stable');
    // The shared objects carry no pod, so no model identity.
    expect(Object.keys(bake('bake-shared'))).toEqual(['track', 'image.repository', 'image.tag', 'revision']);
    expect(bake('bake-shared').track).toBe('shared');
    const analysis = stages.find((s) => s.type === 'kayentaCanary')!;
    expect(analysis.canaryConfig.canaryConfigId).toBe(outputs().json(SPINNAKER_PATHS.canaryConfig).id);
    expect(analysis.canaryConfig.scopes[0]).toMatchObject({ controlScope: 'baseline', experimentScope: 'canary', controlLocation: 'reco' });
    expect(stages.filter((s) => s.type === 'deleteManifest').map((s) => s.manifestName)).toEqual(['deployment activity-ranker-canary', 'deployment activity-ranker-baseline']);
  });

  it('is byte-identical across runs', () => {
    expect(outputs().files.map((f) => f.content)).toEqual(outputs().files.map((f) => f.content));
  });

  it('keeps hostile-looking names inside SpEL literals and JSON strings', () => {
    const m = abModel();
    m.models[0]!.name = "it's}";
    const text = outputs(m).get(SPINNAKER_PATHS.pipeline).content;
    expect(text).toContain("\"${ trigger['parameters']['modelVersion_it''s}'] }\"");
    expect(() => countBalancedTemplates(text)).not.toThrow();
  });

  it.each([
    [
      'application',
      (x: ReturnType<typeof abModel>) => {
        x.deploy.spinnaker.application = '$' + "{T(java.lang.Runtime).getRuntime().exec('id')}";
      },
    ],
    [
      'namespace',
      (x: ReturnType<typeof abModel>) => {
        x.deploy.kubernetes.namespace = 'ns-$' + '{1+1}';
      },
    ],
    [
      'model name',
      (x: ReturnType<typeof abModel>) => {
        x.models[1]!.name = 'm$' + '{x}';
      },
    ],
  ])('refuses a %s that orca would evaluate as SpEL', (_w, mutate) => {
    const x = abModel();
    mutate(x);
    expect(() => emitSpinnaker(x)).toThrow(/would be evaluated as SpEL/);
  });

  it('schema rejects what orca would reject', () => {
    const p = outputs().json(SPINNAKER_PATHS.pipeline);
    const deploy = p.stages.findIndex((s: Json) => s.type === 'deployManifest');
    delete p.stages[deploy].cloudProvider;
    const analysis = p.stages.findIndex((s: Json) => s.type === 'kayentaCanary');
    p.stages[analysis].canaryConfig.scopes = [];
    delete p.id;
    expect(validatePipeline(p)).toBe(false);
    const paths = validatePipeline.errors!.map((e) => `${e.instancePath} ${e.message}`);
    expect(paths).toContain(`/stages/${deploy} must have required property 'cloudProvider'`);
    expect(paths).toContain(`/stages/${analysis}/canaryConfig/scopes must NOT have fewer than 1 items`);
    expect(paths).toContain(" must have required property 'id'");
  });
});

describe('spinnaker outputs for every example config', async () => {
  const { chartModels } = await import('./helm-chart.js');
  it.each(await chartModels())('%s: pipelines and canary config pass their schemas', (_n, model) => {
    const o = outputs(model);
    for (const path of [SPINNAKER_PATHS.pipeline, SPINNAKER_PATHS.rollback]) {
      expect(validatePipeline(o.json(path)), JSON.stringify(validatePipeline.errors)).toBe(true);
      expect(() => countBalancedTemplates(o.get(path).content)).not.toThrow();
    }
    expect(validateCanary(o.json(SPINNAKER_PATHS.canaryConfig)), JSON.stringify(validateCanary.errors)).toBe(true);
  });
});
