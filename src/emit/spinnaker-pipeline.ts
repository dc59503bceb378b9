/**
 * The canary deploy pipeline and the rollback pipeline, as Spinnaker pipeline JSON objects.
 *
 * Deploy graph (refIds are stable names, not positions):
 *
 *   bake-shared ──┐                 ┌ deploy-canary ──┐                 ┌ deploy-production ─┐
 *   bake-canary ──┤                 │                 │                 │                    │
 *   bake-baseline ├─ deploy-shared ─┤                 ├ canary-analysis ┤ delete-canary ─────├ verdict
 *   bake-stable ──┘                 └ deploy-baseline ┘                 └ delete-baseline ───┘
 *
 * Every deploy stage works with only what the stages before it created, on the first deploy and
 * on every later one: `deploy-shared` applies the objects all tracks rely on (ServiceAccount,
 * Service, ServiceMonitor, Ingress, NetworkPolicy, from the chart's `track=shared` render) before
 * any pod of the canary or baseline is created, so their pods are admitted and scraped even when this
 * commit is the first to have them (or changes them). Those objects are therefore not canaried.
 *
 * First deploy (CI sends an empty `baselineImageTag`: nothing runs in production, so there is
 * nothing to compare with and no traffic to measure): the canary and baseline stages are
 * skipped and production is deployed straight after the shared objects; its deploy stage waits
 * for the pods to be ready, as every deploy stage does.
 *
 * Always-cleanup, with orca's documented failure options only: the canary/baseline deploys and
 * the analysis "ignore the failure" (FAILED_CONTINUE), so the delete stages after them always
 * start; the analysis is skipped unless both deploys succeeded; production is skipped unless the
 * analysis succeeded (or this is a first deploy); production and the deletes "fail eventually"
 * (STOPPED + completeOtherBranchesThenFail) so one failing never cancels the others; the final
 * checkPreconditions stage turns a skipped or failed analysis into a failed pipeline.
 * Bakes come first so that a bake failure leaves nothing deployed.
 * The webhook trigger (not a docker trigger) is deliberate: a docker/image artifact in the
 * execution would make clouddriver rewrite the baseline's image to the new tag (deploy.md §1.4).
 * Each pipeline has a stable `id`, so saving it again (`mlgen spinnaker install`, `spin pipeline
 * save`, a plain POST to gate's /pipelines) updates it instead of creating a duplicate.
 * @see https://spinnaker.io/docs/guides/user/pipeline/triggers/webhooks/
 */
import type { ServiceModel } from '../config/model.js';
import { and, equals, literal, notEquals, or, param, stageStatusIs, type SpelExpr } from './spel.js';
import {
  DEFAULT_GIT_ARTIFACT_ACCOUNT,
  PARAM,
  canaryConfigId,
  deployPipelineName,
  deployWebhookSource,
  modelRunIdParam,
  modelVersionParam,
  pipelineId,
  rollbackPipelineName,
  rollbackWebhookSource,
} from './spinnaker-names.js';
import { bakeManifest, checkExpression, deleteManifest, deployManifest, kayentaCanary, type Stage } from './spinnaker-stages.js';

export const STAGE = {
  bakeShared: { refId: 'bake-shared', name: 'Bake shared objects' },
  bakeCanary: { refId: 'bake-canary', name: 'Bake canary' },
  bakeBaseline: { refId: 'bake-baseline', name: 'Bake baseline' },
  bakeStable: { refId: 'bake-stable', name: 'Bake production' },
  deployShared: { refId: 'deploy-shared', name: 'Deploy shared objects' },
  deployCanary: { refId: 'deploy-canary', name: 'Deploy canary' },
  deployBaseline: { refId: 'deploy-baseline', name: 'Deploy baseline' },
  analysis: { refId: 'canary-analysis', name: 'Canary analysis' },
  deployStable: { refId: 'deploy-production', name: 'Deploy production' },
  deleteCanary: { refId: 'delete-canary', name: 'Delete canary' },
  deleteBaseline: { refId: 'delete-baseline', name: 'Delete baseline' },
  verdict: { refId: 'verdict', name: 'Canary verdict' },
} as const;

/** True on a first deploy: CI found no production image tag to use as the baseline. */
export const firstDeploy = (): SpelExpr => equals(param(PARAM.baselineImageTag), literal(''));
const laterDeploy = (): SpelExpr => notEquals(param(PARAM.baselineImageTag), literal(''));

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
    parameter(PARAM.baselineImageTag, 'Image tag running in production now (also its git SHA); the baseline runs it. Empty = first deploy: no canary.', {
      required: false,
    }),
    parameter(PARAM.gitSha, 'Git SHA of the service code being deployed.'),
    ...chartParameters(),
    ...modelParameters(m),
    parameter(PARAM.kayentaMetricsAccount, "Kayenta metrics account (Prometheus); empty = Kayenta's default.", { required: false }),
    parameter(PARAM.kayentaStorageAccount, "Kayenta storage account; empty = Kayenta's default.", { required: false }),
  ];
}

function pipelineShell(m: ServiceModel, name: string, description: string, source: string, parameterConfig: ParameterConfig[]) {
  const application = m.deploy.spinnaker.application;
  return {
    id: pipelineId(application, name),
    application,
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
    // The new chart's shared objects (no pods, so no image or model identity).
    bakeManifest(m, { ...STAGE.bakeShared, ...common, track: 'shared', withModels: false }),
    bakeManifest(m, { ...STAGE.bakeCanary, ...common, track: 'canary', enabledWhen: laterDeploy() }),
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
      enabledWhen: laterDeploy(),
    }),
    bakeManifest(m, { ...STAGE.bakeStable, ...common, track: 'stable' }),
  ];
}

function canaryStages(m: ServiceModel): Stage[] {
  const bakes = [STAGE.bakeShared.refId, STAGE.bakeCanary.refId, STAGE.bakeBaseline.refId, STAGE.bakeStable.refId];
  const afterShared = [STAGE.deployShared.refId];
  const afterAnalysis = [STAGE.analysis.refId];
  const analysisPassed = stageStatusIs(STAGE.analysis.name, 'SUCCEEDED');
  return [
    deployManifest(m, { ...STAGE.deployShared, after: bakes, track: 'shared' }),
    deployManifest(m, { ...STAGE.deployCanary, after: afterShared, track: 'canary', onFailure: 'ignore', enabledWhen: laterDeploy() }),
    deployManifest(m, { ...STAGE.deployBaseline, after: afterShared, track: 'baseline', onFailure: 'ignore', enabledWhen: laterDeploy() }),
    kayentaCanary(m, {
      ...STAGE.analysis,
      after: [STAGE.deployCanary.refId, STAGE.deployBaseline.refId],
      onFailure: 'ignore',
      enabledWhen: and(stageStatusIs(STAGE.deployCanary.name, 'SUCCEEDED'), stageStatusIs(STAGE.deployBaseline.name, 'SUCCEEDED')),
      canaryConfigId: canaryConfigId(m),
    }),
    deployManifest(m, {
      ...STAGE.deployStable,
      after: afterAnalysis,
      track: 'stable',
      onFailure: 'failEventually',
      enabledWhen: or(analysisPassed, firstDeploy()),
    }),
    deleteManifest(m, { ...STAGE.deleteCanary, after: afterAnalysis, track: 'canary', onFailure: 'failEventually', enabledWhen: laterDeploy() }),
    deleteManifest(m, { ...STAGE.deleteBaseline, after: afterAnalysis, track: 'baseline', onFailure: 'failEventually', enabledWhen: laterDeploy() }),
    checkExpression({
      ...STAGE.verdict,
      after: [STAGE.deployStable.refId, STAGE.deleteCanary.refId, STAGE.deleteBaseline.refId],
      expression: or(analysisPassed, firstDeploy()),
      failureMessage: 'Canary analysis did not pass (or did not run); production was not changed.',
    }),
  ];
}

export function deployPipeline(m: ServiceModel): object {
  const p = pipelineShell(
    m,
    deployPipelineName(m),
    `Canary deploy of ${m.service.name}: canary vs baseline analysed by Kayenta, then production (a first deploy goes straight to production). Triggered by CI.`,
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
  const p = pipelineShell(m, rollbackPipelineName(m), `Rollback of ${m.service.name}: redeploys an earlier image tag (git SHA) to production, no canary.`, rollbackWebhookSource(m), [
    parameter(PARAM.imageTag, 'Image tag (git SHA) to roll back to.'),
    ...chartParameters(),
  ]);
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
