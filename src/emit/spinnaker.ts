/**
 * Emits `deploy/spinnaker/`: the canary deploy pipeline, the rollback pipeline and the Kayenta
 * canary config. JSON has no comments, so these files carry no generated-file header; the
 * manifest records them as generated.
 */
import type { ServiceModel } from '../config/model.js';
import type { Emitter, OutputFile } from './types.js';
import { assertNoTemplate } from './spel.js';
import { canaryConfig } from './spinnaker-canary.js';
import { SPINNAKER_PATHS } from './spinnaker-names.js';
import { deployPipeline, rollbackPipeline } from './spinnaker-pipeline.js';

/** Two-space JSON with exactly one trailing newline; key order is the order objects were built in. */
export function toJsonFile(value: object): string {
  return JSON.stringify(value, null, 2) + '\n';
}

const PIPELINE_INPUTS = ['/deploy/image', '/deploy/kubernetes/namespace', '/deploy/spinnaker', '/models', '/service/name'];

function file(path: string, value: object, inputs: string[]): OutputFile {
  return { path, content: toJsonFile(value), owner: 'generated', emitter: 'spinnaker', inputs: [...inputs].sort() };
}

/** Config text that lands in stage contexts verbatim (outside SpEL literals). */
function guard(m: ServiceModel): void {
  const d = m.deploy;
  const values: Array<[string, string]> = [
    ['service name', m.service.name],
    ['spinnaker application', d.spinnaker.application],
    ['spinnaker account', d.spinnaker.account],
    ['namespace', d.kubernetes.namespace],
    ['image registry', d.image.registry],
    ['image repository', d.image.repository],
    ...m.models.map((x): [string, string] => ['model name', x.name]),
    ...m.endpoints.map((x): [string, string] => ['endpoint name', x.name]),
  ];
  for (const [what, value] of values) assertNoTemplate(value, what);
}

export const emitSpinnaker: Emitter = (m: ServiceModel) => {
  guard(m);
  return emitFiles(m);
};

const emitFiles = (m: ServiceModel): OutputFile[] => [
  file(SPINNAKER_PATHS.pipeline, deployPipeline(m), PIPELINE_INPUTS),
  file(SPINNAKER_PATHS.rollback, rollbackPipeline(m), PIPELINE_INPUTS),
  file(SPINNAKER_PATHS.canaryConfig, canaryConfig(m), ['/deploy/kubernetes/namespace', '/deploy/spinnaker/application', '/endpoints', '/service/name']),
];
