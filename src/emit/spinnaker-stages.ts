/**
 * Builders for the Spinnaker stages our pipelines use, one function per stage type, with the
 * fields orca reads for that type. Every Kubernetes stage carries `cloudProvider: kubernetes`
 * (orca defaults to `aws` otherwise), the account and `moniker.app`.
 * @see orca-bakery BakeManifestContext.java, CreateBakeManifestTask.java
 * @see orca-clouddriver DeployManifestContext.java, DeleteManifestStage.java
 * @see orca-kayenta KayentaCanaryContext.kt
 * @see orca-core CheckPreconditionsStage.java, ExpressionPreconditionTask.java, OptionalStageSupport.java
 */
import type { ServiceModel } from '../config/model.js';
import { param, template, type SpelExpr } from './spel.js';
import { PARAM, chartDir, deploymentName, imageRepository, modelRunIdParam, modelVersionParam, type BakeTrack, type Track } from './spinnaker-names.js';

export type Stage = Record<string, unknown> & { refId: string; requisiteStageRefIds: string[]; type: string; name: string };

/**
 * What a stage does when it fails (deck's "If stage fails" options):
 * - `halt`: TERMINAL, the pipeline stops and running branches are cancelled (orca default);
 * - `ignore`: FAILED_CONTINUE, downstream stages still start (they can test the status);
 * - `failEventually`: STOPPED, this branch stops, other branches complete, then the pipeline fails.
 * @see orca-kotlin ext/Stage.kt failureStatus(); deck OverrideFailure.tsx
 */
export type OnFailure = 'halt' | 'ignore' | 'failEventually';

const FAILURE_FIELDS: Record<OnFailure, Record<string, boolean>> = {
  halt: { failPipeline: true, continuePipeline: false, completeOtherBranchesThenFail: false },
  ignore: { failPipeline: false, continuePipeline: true, completeOtherBranchesThenFail: false },
  failEventually: { failPipeline: false, continuePipeline: false, completeOtherBranchesThenFail: true },
};

export interface StageBase {
  refId: string;
  name: string;
  after: string[];
  onFailure?: OnFailure;
  /** Run only when this (bare) expression is true; otherwise the stage is SKIPPED. */
  enabledWhen?: SpelExpr;
}

function base(type: string, b: StageBase): Stage {
  const stage: Stage = { refId: b.refId, requisiteStageRefIds: [...b.after], type, name: b.name };
  if (b.enabledWhen !== undefined) stage['stageEnabled'] = { type: 'expression', expression: b.enabledWhen };
  Object.assign(stage, FAILURE_FIELDS[b.onFailure ?? 'halt']);
  return stage;
}

const k8s = (m: ServiceModel) => ({
  cloudProvider: 'kubernetes',
  account: m.deploy.spinnaker.account,
  moniker: { app: m.deploy.spinnaker.application },
});

/** The id of the embedded/base64 artifact a bake stage produces for one track. */
export const bakedArtifactId = (track: BakeTrack): string => `baked-${track}`;

/** The name of that artifact: the track's Deployment, or `<service>-shared`. */
const bakedArtifactName = (m: ServiceModel, track: BakeTrack): string => (track === 'shared' ? `${m.service.name}-shared` : deploymentName(m, track));

export interface BakeOptions extends StageBase {
  track: BakeTrack;
  /** Parameter holding the git ref to read the chart at. */
  chartVersionParam: string;
  imageTagParam: string;
  revisionParam: string;
  /**
   * Set model versions/run ids from the trigger. False where the trigger does not know the image's
   * models (the baseline runs production's image; a rollback an older one): the chart then renders
   * no model identity for those pods, and their image labels and /metadata remain the truth.
   */
  withModels: boolean;
}

/** Helm overrides go through `--set-string`, so every value here is a string (see deploy.md §6.3). */
function bakeOverrides(m: ServiceModel, o: BakeOptions): Record<string, string> {
  const overrides: Record<string, string> = {
    track: o.track,
    'image.repository': imageRepository(m),
    'image.tag': template(param(o.imageTagParam)),
    revision: template(param(o.revisionParam)),
  };
  if (o.withModels) {
    for (const model of m.models) {
      overrides[`models.${model.name}.version`] = template(param(modelVersionParam(model.name)));
      overrides[`models.${model.name}.runId`] = template(param(modelRunIdParam(model.name)));
    }
  }
  return overrides;
}

export function bakeManifest(m: ServiceModel, o: BakeOptions): Stage {
  return {
    ...base('bakeManifest', o),
    templateRenderer: 'HELM3',
    outputName: m.service.name,
    namespace: m.deploy.kubernetes.namespace,
    inputArtifacts: [
      {
        account: template(param(PARAM.chartArtifactAccount)),
        artifact: {
          type: 'git/repo',
          reference: template(param(PARAM.chartRepo)),
          version: template(param(o.chartVersionParam)),
        },
      },
    ],
    helmChartFilePath: chartDir(m),
    overrides: bakeOverrides(m, o),
    rawOverrides: false,
    expectedArtifacts: [
      {
        id: bakedArtifactId(o.track),
        displayName: bakedArtifactId(o.track),
        matchArtifact: { type: 'embedded/base64', kind: 'base64', name: bakedArtifactName(m, o.track) },
        useDefaultArtifact: false,
        usePriorArtifact: false,
      },
    ],
  };
}

export function deployManifest(m: ServiceModel, b: StageBase & { track: BakeTrack }): Stage {
  return {
    ...base('deployManifest', b),
    ...k8s(m),
    namespaceOverride: m.deploy.kubernetes.namespace,
    source: 'artifact',
    manifestArtifactId: bakedArtifactId(b.track),
    manifestArtifactAccount: 'embedded-artifact',
    // Rendered manifests never contain SpEL; do not let a `${` in a description be evaluated.
    skipExpressionEvaluation: true,
    // Spinnaker-managed traffic strategies only handle ReplicaSets; the chart ships Deployments.
    trafficManagement: { enabled: false, options: { enableTraffic: false, services: [], strategy: 'none' } },
  };
}

export function deleteManifest(m: ServiceModel, b: StageBase & { track: Exclude<Track, 'stable'> }): Stage {
  return {
    ...base('deleteManifest', b),
    ...k8s(m),
    location: m.deploy.kubernetes.namespace,
    mode: 'static',
    manifestName: `deployment ${deploymentName(m, b.track)}`,
    options: { cascading: true },
  };
}

export interface CanaryOptions extends StageBase {
  canaryConfigId: string;
}

/**
 * metricsAccountName / storageAccountName come from parameters whose default is empty: Kayenta
 * resolves an empty account name to its single configured METRICS_STORE / OBJECT_STORE account
 * (kayenta-core AccountCredentialsRepository.getRequiredOneBy), and an operator can name one per run.
 */
export function kayentaCanary(m: ServiceModel, o: CanaryOptions): Stage {
  const c = m.deploy.spinnaker.canary;
  const ns = m.deploy.kubernetes.namespace;
  return {
    ...base('kayentaCanary', o),
    analysisType: 'realTime',
    canaryConfig: {
      metricsAccountName: template(param(PARAM.kayentaMetricsAccount)),
      storageAccountName: template(param(PARAM.kayentaStorageAccount)),
      canaryConfigId: o.canaryConfigId,
      lifetimeDuration: c.lifetime,
      canaryAnalysisIntervalMins: c.intervalMinutes,
      scoreThresholds: { pass: c.pass, marginal: c.marginal },
      scopes: [
        {
          scopeName: 'default',
          controlScope: 'baseline',
          controlLocation: ns,
          experimentScope: 'canary',
          experimentLocation: ns,
          step: 60,
        },
      ],
    },
  };
}

export function checkExpression(b: StageBase & { expression: SpelExpr; failureMessage: string }): Stage {
  return {
    ...base('checkPreconditions', b),
    preconditions: [
      {
        type: 'expression',
        context: { expression: b.expression, failureMessage: b.failureMessage },
        failPipeline: true,
      },
    ],
  };
}
