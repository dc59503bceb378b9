/**
 * The canary deploy pipeline and the rollback pipeline, as Spinnaker pipeline JSON objects.
 *
 * Deploy graph (refIds are stable names, not positions):
 *
 *   bake-canary ─┐                ┌ deploy-canary ──┐                 ┌ deploy-production ─┐
 *   bake-baseline├─(all bakes)────┤                 ├ canary-analysis ┤ delete-canary ─────├ verdict
 *   bake-stable ─┘                └ deploy-baseline ┘                 └ delete-baseline ───┘
 *
 * Always-cleanup, with orca's documented failure options only: the canary/baseline deploys and
 * the analysis "ignore the failure" (FAILED_CONTINUE), so the delete stages after them always
 * start; the analysis is skipped unless both deploys succeeded; production is skipped unless the
 * analysis succeeded; production and the deletes "fail eventually" (STOPPED +
 * completeOtherBranchesThenFail) so one failing never cancels the others; the final
 * checkPreconditions stage turns a skipped or failed analysis into a failed pipeline.
 * Bakes come first so that a bake failure leaves nothing deployed.
 * The webhook trigger (not a docker trigger) is deliberate: a docker/image artifact in the
 * execution would make clouddriver rewrite the baseline's image to the new tag (deploy.md §1.4).
 * @see https://spinnaker.io/docs/guides/user/pipeline/triggers/webhooks/
 */
import type { ServiceModel } from '../config/model.js';
import { and, stageStatusIs } from './spel.js';
import {
  DEFAULT_GIT_ARTIFACT_ACCOUNT,
  PARAM,
  canaryConfigId,
  deployWebhookSource,
  modelRunIdParam,
  modelVersionParam,
  rollbackWebhookSource,
} from './spinnaker-names.js';
import { bakeManifest, checkExpression, deleteManifest, deployManifest, kayentaCanary, type Stage } from './spinnaker-stages.js';

export const STAGE = {
  bakeCanary: { refId: 'bake-canary', name: 'Bake canary' },
  bakeBaseline: { refId: 'bake-baseline', name: 'Bake baseline' },
  bakeStable: { refId: 'bake-stable', name: 'Bake production' },
  deployCanary: { refId: 'deploy-canary', name: 'Deploy canary' },
  deployBaseline: { refId: 'deploy-baseline', name: 'Deploy baseline' },
  analysis: { refId: 'canary-analysis', name: 'Canary analysis' },
  deployStable: { refId: 'deploy-production', name: 'Deploy production' },
  deleteCanary: { refId: 'delete-canary', name: 'Delete canary' },
  deleteBaseline: { refId: 'delete-baseline', name: 'Delete baseline' },
  verdict: { refId: 'verdict', name: 'Canary verdict' },
} as const;

interface ParameterConfig {
  name: string;
  label: string;
  description: string;
  required: boolean;
  default: string;
  hasOptions: boolean;
  options: Array<{ value: string }>;
  pinned: boolean;
}

function parameter(name: string, description: string, opts: { required?: boolean; default?: string; options?: string[] } = {}): ParameterConfig {
  return {
    name,
    label: name,
    description,
    required: opts.required ?? true,
    default: opts.default ?? '',
    hasOptions: opts.options !== undefined,
    options: (opts.options ?? []).map((value) => ({ value })),
    pinned: false,
  };
}

function chartParameters(): ParameterConfig[] {
  return [
    parameter(PARAM.chartRepo, 'Clone URL of the service repository; the chart is read from it at the deployed commit.'),
    parameter(PARAM.chartArtifactAccount, 'Spinnaker git/repo artifact account able to clone chartRepo.', {
      required: false,
      default: DEFAULT_GIT_ARTIFACT_ACCOUNT,
    }),
  ];
}

function modelParameters(m: ServiceModel): ParameterConfig[] {
  return m.models.flatMap((model) => [
    parameter(modelVersionParam(model.name), `Version of model ${model.name} baked into the image (models.lock.json).`, { required: true }),
    parameter(modelRunIdParam(model.name), `MLflow run id of model ${model.name} (empty for local or https sources).`, {
      required: false,
    }),
  ]);
}

function deployParameters(m: ServiceModel): ParameterConfig[] {
  return [
    parameter(PARAM.imageTag, 'Image tag to deploy: the git SHA of the build.'),
    parameter(PARAM.baselineImageTag, 'Image tag running in production now (also its git SHA); the baseline runs it.'),
    parameter(PARAM.gitSha, 'Git SHA of the service code being deployed.'),
    ...chartParameters(),
    ...modelParameters(m),
    parameter(PARAM.hotfix, 'true when this deploy ships new code with the models already locked (no model change).', {
      required: false,
      default: 'false',
      options: ['false', 'true'],
    }),
    parameter(PARAM.kayentaMetricsAccount, "Kayenta metrics account (Prometheus); empty = Kayenta's default.", { required: false }),
    parameter(PARAM.kayentaStorageAccount, "Kayenta storage account; empty = Kayenta's default.", { required: false }),
  ];
}

function pipelineShell(m: ServiceModel, name: string, description: string, source: string, parameterConfig: ParameterConfig[]) {
  return {
    application: m.deploy.spinnaker.application,
    name,
    description,
    keepWaitingPipelines: false,
    limitConcurrent: true,
    spelEvaluator: 'v4',
    parameterConfig,
    triggers: [{ type: 'webhook', enabled: true, source, payloadConstraints: {} }],
    expectedArtifacts: [] as unknown[],
    stages: [] as Stage[],
  };
}

function bakeStages(m: ServiceModel): Stage[] {
  const common = { after: [], withModels: true, chartVersionParam: PARAM.gitSha, imageTagParam: PARAM.imageTag, revisionParam: PARAM.gitSha };
  return [
    bakeManifest(m, { ...STAGE.bakeCanary, ...common, track: 'canary' }),
    // The baseline is production as it runs now: its image, its chart, its revision. CI knows
    // only the new build's models, so the baseline pods make no model claim (see withModels).
    bakeManifest(m, {
      ...STAGE.bakeBaseline,
      ...common,
      track: 'baseline',
      withModels: false,
      chartVersionParam: PARAM.baselineImageTag,
      imageTagParam: PARAM.baselineImageTag,
      revisionParam: PARAM.baselineImageTag,
    }),
    bakeManifest(m, { ...STAGE.bakeStable, ...common, track: 'stable' }),
  ];
}

function canaryStages(m: ServiceModel): Stage[] {
  const bakes = [STAGE.bakeCanary.refId, STAGE.bakeBaseline.refId, STAGE.bakeStable.refId];
  const afterAnalysis = [STAGE.analysis.refId];
  return [
    deployManifest(m, { ...STAGE.deployCanary, after: bakes, track: 'canary', onFailure: 'ignore' }),
    deployManifest(m, { ...STAGE.deployBaseline, after: bakes, track: 'baseline', onFailure: 'ignore' }),
    kayentaCanary(m, {
      ...STAGE.analysis,
      after: [STAGE.deployCanary.refId, STAGE.deployBaseline.refId],
      onFailure: 'ignore',
      enabledWhen: and(stageStatusIs(STAGE.deployCanary.name, 'SUCCEEDED'), stageStatusIs(STAGE.deployBaseline.name, 'SUCCEEDED')),
      canaryConfigId: canaryConfigId(m),
      scopeParams: { service: m.service.name },
    }),
    deployManifest(m, {
      ...STAGE.deployStable,
      after: afterAnalysis,
      track: 'stable',
      onFailure: 'failEventually',
      enabledWhen: stageStatusIs(STAGE.analysis.name, 'SUCCEEDED'),
    }),
    deleteManifest(m, { ...STAGE.deleteCanary, after: afterAnalysis, track: 'canary', onFailure: 'failEventually' }),
    deleteManifest(m, { ...STAGE.deleteBaseline, after: afterAnalysis, track: 'baseline', onFailure: 'failEventually' }),
    checkExpression({
      ...STAGE.verdict,
      after: [STAGE.deployStable.refId, STAGE.deleteCanary.refId, STAGE.deleteBaseline.refId],
      expression: stageStatusIs(STAGE.analysis.name, 'SUCCEEDED'),
      failureMessage: 'Canary analysis did not pass (or did not run); production was not changed.',
    }),
  ];
}

export function deployPipeline(m: ServiceModel): object {
  const p = pipelineShell(
    m,
    `${m.service.name}-deploy`,
    `Canary deploy of ${m.service.name}: canary vs baseline analysed by Kayenta, then production. Triggered by CI.`,
    deployWebhookSource(m),
    deployParameters(m),
  );
  p.stages = [...bakeStages(m), ...canaryStages(m)];
  return p;
}

/**
 * Rollback = redeploy an older image straight to production, with the chart of that same commit.
 * Model versions are not overridden: the old image carries its models and reports them itself.
 */
export function rollbackPipeline(m: ServiceModel): object {
  const p = pipelineShell(
    m,
    `${m.service.name}-rollback`,
    `Rollback of ${m.service.name}: redeploys an earlier image tag (git SHA) to production, no canary.`,
    rollbackWebhookSource(m),
    [parameter(PARAM.imageTag, 'Image tag (git SHA) to roll back to.'), ...chartParameters()],
  );
  const bake = bakeManifest(m, {
    ...STAGE.bakeStable,
    after: [],
    track: 'stable',
    withModels: false,
    chartVersionParam: PARAM.imageTag,
    imageTagParam: PARAM.imageTag,
    revisionParam: PARAM.imageTag,
  });
  p.stages = [bake, deployManifest(m, { ...STAGE.deployStable, after: [STAGE.bakeStable.refId], track: 'stable' })];
  return p;
}
