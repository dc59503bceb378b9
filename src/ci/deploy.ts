import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelRunIdParam, modelVersionParam, PARAM } from '../emit/spinnaker-names.js';
import { EXIT } from '../exit-codes.js';
import { LOCK_FILE, lockedModels } from './lock.js';
import { CiError, headCommit } from './process.js';

export interface DeployOptions {
  /** The pipeline's webhook source (`<gate>/webhooks/webhook/<source>`). */
  source: string;
  /** Clone URL of the service repository: the pipeline bakes the chart from it. */
  chartRepo: string;
  /** The image tag running in production; empty on a first deploy. */
  baseline?: string;
  /** Default: the checked-out commit (the image tag build-image pushed). */
  tag?: string;
}

/**
 * The webhook's `parameters`: the image tag (= git SHA), the production tag the canary compares
 * with, the chart repository, and each locked model's version and run id. Without a production
 * tag this is a first deploy: the baseline stays empty and the pipeline deploys production
 * without a canary (nothing to compare with, no traffic to measure).
 */
export async function deployParameters(o: DeployOptions & { tag: string }, lockFile = LOCK_FILE): Promise<Record<string, string>> {
  const parameters: Record<string, string> = {
    [PARAM.imageTag]: o.tag,
    [PARAM.baselineImageTag]: o.baseline ?? '',
    [PARAM.gitSha]: o.tag,
    [PARAM.chartRepo]: o.chartRepo,
  };
  for (const m of await lockedModels(lockFile)) {
    parameters[modelVersionParam(m.name)] = m.version;
    parameters[modelRunIdParam(m.name)] = m.runId;
  }
  return parameters;
}

/**
 * `mlgen-ci trigger-deploy`: POSTs the parameters to the Spinnaker webhook of the deploy pipeline
 * (`$SPINNAKER_WEBHOOK_URL/webhooks/webhook/<source>`; the URL is a secret, so it comes from the
 * environment, never from the command line). The body is also written to
 * `$RUNNER_TEMP/spinnaker-payload.json` and printed, for the log.
 * @see https://spinnaker.io/docs/guides/user/pipeline/triggers/webhooks/
 */
export async function triggerDeploy(o: DeployOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const gate = env.SPINNAKER_WEBHOOK_URL;
  if (!gate) throw new CiError('SPINNAKER_WEBHOOK_URL is not set: add the repository secret (Spinnaker gate base URL)', EXIT.usage);
  const tag = o.tag || headCommit();
  if (!o.baseline) {
    console.log(`::warning::repository variable PRODUCTION_IMAGE_TAG is not set: first deploy, no canary. Once it succeeds, run: gh variable set PRODUCTION_IMAGE_TAG --body ${tag}`);
  }
  const body = JSON.stringify({ parameters: await deployParameters({ ...o, tag }) });
  if (env.RUNNER_TEMP) writeFileSync(join(env.RUNNER_TEMP, 'spinnaker-payload.json'), body);
  console.log(JSON.stringify(JSON.parse(body), null, 2));
  const url = `${gate.replace(/\/+$/, '')}/webhooks/webhook/${encodeURIComponent(o.source)}`;
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch((err: Error) => {
    throw new CiError(`the Spinnaker webhook could not be reached: ${err.message}`, EXIT.unavailable);
  });
  const text = await res.text();
  if (!res.ok) throw new CiError(`the Spinnaker webhook answered ${res.status}: ${text.slice(0, 300)}`, EXIT.unavailable);
  console.log(`Spinnaker webhook ${o.source}: ${res.status}`);
}
