/**
 * Names shared by the Spinnaker pipelines, the Kayenta canary config and the CI workflow that
 * triggers them. CI and pipeline must agree on the webhook source and every parameter name, so
 * both read them from here.
 */
import { v5 as uuidv5 } from 'uuid';
import type { ServiceModel } from '../config/model.js';

export type Track = 'canary' | 'baseline' | 'stable';
/** What a bake renders: one track's objects, or (`shared`) only those every track relies on. */
export type BakeTrack = Track | 'shared';

/** Pipeline parameters the CI webhook sends (`parameters` in the POST body). */
export const PARAM = {
  imageTag: 'imageTag',
  /** Empty on a first deploy (nothing in production yet): the pipeline then deploys without a canary. */
  baselineImageTag: 'baselineImageTag',
  gitSha: 'gitSha',
  /** Clone URL of the service repository: the chart is baked from it at the deployed commit. */
  chartRepo: 'chartRepo',
  /** Spinnaker `git/repo` artifact account that can clone `chartRepo`. */
  chartArtifactAccount: 'chartArtifactAccount',
  /** Kayenta accounts; empty = Kayenta's default METRICS_STORE / OBJECT_STORE account. */
  kayentaMetricsAccount: 'kayentaMetricsAccount',
  kayentaStorageAccount: 'kayentaStorageAccount',
} as const;

/** Parameters with a default that CI does not send (operators may set them per run). */
export const OPERATOR_PARAMS: readonly string[] = [PARAM.chartArtifactAccount, PARAM.kayentaMetricsAccount, PARAM.kayentaStorageAccount];

/** Default for `chartArtifactAccount` (Halyard's examples name the git/repo account `gitrepo`). */
export const DEFAULT_GIT_ARTIFACT_ACCOUNT = 'gitrepo';

/** Prefixes of the per-model parameters; the CI script appends the model name from models.lock.json. */
export const MODEL_PARAM_PREFIX = { version: 'modelVersion_', runId: 'modelRunId_' } as const;

export const modelVersionParam = (model: string): string => MODEL_PARAM_PREFIX.version + model;
export const modelRunIdParam = (model: string): string => MODEL_PARAM_PREFIX.runId + model;

/** Webhook sources: POST `<gate>/webhooks/webhook/<source>`. */
export const deployWebhookSource = (m: ServiceModel): string => m.service.name;
export const rollbackWebhookSource = (m: ServiceModel): string => `${m.service.name}-rollback`;

/**
 * Namespace of the pipeline ids (a random UUID fixed once for mlgen, RFC 9562 name-based ids):
 * the same application and pipeline name always give the same id, so saving a pipeline again
 * updates it instead of failing front50's duplicate-name check.
 */
const PIPELINE_ID_NAMESPACE = '8b3f2f7e-4c1a-4e57-9a55-2f0f5d1c6a3e';

/** A stable pipeline `id` (UUID v5 of `<application>/<pipeline name>`). */
export const pipelineId = (application: string, name: string): string => uuidv5(`${application}/${name}`, PIPELINE_ID_NAMESPACE);

export const deployPipelineName = (m: ServiceModel): string => `${m.service.name}-deploy`;
export const rollbackPipelineName = (m: ServiceModel): string => `${m.service.name}-rollback`;

/** The Kayenta canary config id (explicit, so the stage can name it and `spin` can save it). */
export const canaryConfigId = (m: ServiceModel): string => `${m.service.name}-canary`;

/** Deployment names the chart renders per track. */
export const deploymentName = (m: ServiceModel, track: Track): string => (track === 'stable' ? m.service.name : `${m.service.name}-${track}`);

/** Directory of the chart inside the service repository. */
export const chartDir = (m: ServiceModel): string => `chart/${m.service.name}`;

/** Image repository as Kubernetes pulls it. */
export const imageRepository = (m: ServiceModel): string => `${m.deploy.image.registry}/${m.deploy.image.repository}`;

/** Paths of the generated files. */
export const SPINNAKER_PATHS = {
  pipeline: 'deploy/spinnaker/pipeline.json',
  rollback: 'deploy/spinnaker/rollback-pipeline.json',
  canaryConfig: 'deploy/spinnaker/canary-config.json',
} as const;
