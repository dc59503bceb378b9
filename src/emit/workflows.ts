/**
 * Emits the service's GitHub Actions workflows, built as objects and serialized with `yaml`:
 * - ci.yml: check + test on every push and PR; on a PR, the change summary and its labels
 *   (workflows-review.ts); on main, calls deploy.yml unless the head commit says `[skip-deploy]`;
 *   `[deploy-only]` = hotfix (this code, the models already locked).
 * - deploy.yml (reusable, `workflow_call`): install the committed Spinnaker pipelines and canary
 *   config (`mlgen spinnaker install`), pull models, build + push the image to ECR, trigger the
 *   Spinnaker webhook. One copy of the deploy steps for both callers.
 * - retrain.yml: a training job posts a new model version; the lock is updated, tested, committed
 *   and deployed (a push made with GITHUB_TOKEN starts no workflow, so it calls deploy.yml itself).
 * The steps run programs of the generator package (`mlgen`, and `mlgen-ci` for the deploy, retrain
 * and review steps, src/ci/), so the workflows hold no scripts. Untrusted text (commit messages,
 * dispatch payloads, secrets) only ever reaches them through `env:`; `${{ }}` appears only in
 * `if:`, `with:` and `env:` values.
 * @see https://docs.github.com/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#understanding-the-risk-of-script-injections
 */
import type { ServiceModel } from '../config/model.js';
import type { Emitter, OutputFile } from './types.js';
import { deployWorkflow, ciWorkflow, retrainWorkflow, WORKFLOW_PATHS } from './workflows-jobs.js';
import { registrySettingsHelp } from './workflows-registry.js';
import { workflowYaml } from './workflows-yaml.js';

const INPUTS = ['/deploy/image', '/models', '/service/name', '/service/version'];

function file(path: string, content: string): OutputFile {
  return { path, content, owner: 'generated', emitter: 'workflows', inputs: [...INPUTS] };
}

export const emitWorkflows: Emitter = (m: ServiceModel) => [
  file(WORKFLOW_PATHS.ci, workflowYaml(ciWorkflow(m), ciHeader())),
  file(WORKFLOW_PATHS.deploy, workflowYaml(deployWorkflow(m), deployHeader(m))),
  file(WORKFLOW_PATHS.retrain, workflowYaml(retrainWorkflow(m), retrainHeader(m))),
];

function ciHeader(): string[] {
  return [
    'Checks and tests every push and pull request. A push to main then deploys (deploy.yml):',
    '  a head commit message containing [skip-deploy] skips the deploy;',
    '  [deploy-only] is a hotfix: this code with the model versions already in models.lock.json.',
    'On a pull request, the review job writes `mlgen diff` against the base commit into the job',
    'summary and sets the api-breaking / deploy-impacting labels (a fork PR only reports them).',
    "mlgen and mlgen-ci (the steps' programs) come from devDependencies (generator-mlservice);",
    '`npx --no` never downloads a package.',
  ];
}

function deployHeader(m: ServiceModel): string[] {
  return [
    'Reusable deploy: save the committed Spinnaker pipelines and canary config (mlgen spinnaker install),',
    'pull models, build and push the image, trigger the Spinnaker canary pipeline.',
    'Repository settings it reads:',
    ...registrySettingsHelp(m),
    '  vars.PRODUCTION_IMAGE_TAG  image tag (git SHA) running in production: the canary baseline.',
    '                             Unset = first deploy (no canary). Update it when a deploy passes',
    '                             (gh variable set PRODUCTION_IMAGE_TAG --body <sha>).',
    '  secrets.SPINNAKER_GATE_URL, secrets.SPINNAKER_GATE_TOKEN  Spinnaker gate API (and a bearer token',
    '                             if gate needs one) for mlgen spinnaker install',
    '  secrets.MLFLOW_TRACKING_URI, secrets.MLFLOW_TRACKING_TOKEN  registry access for models pull',
    '  secrets.SPINNAKER_WEBHOOK_URL  Spinnaker gate base URL; the pipeline listens on',
    `                             /webhooks/webhook/${m.service.name}`,
    'The image is built by mlgen-ci build-image (its build args: see the Dockerfile header).',
  ];
}

function retrainHeader(m: ServiceModel): string[] {
  const example = m.models[0]?.name ?? 'model';
  return [
    'Deploys a new model version posted by a training job, without a code change.',
    'The training job registers the version in MLflow, moves the alias that mlservice.yaml points at',
    '(models:/<name>@<alias>), then posts:',
    '  curl -fsS -X POST -H "Authorization: Bearer $GITHUB_TOKEN" \\',
    '    -H "Accept: application/vnd.github+json" \\',
    '    https://api.github.com/repos/<owner>/<repo>/dispatches \\',
    `    -d '{"event_type": "mlservice-model-version", "client_payload": {"model": "${example}", "version": "13"}}'`,
    '(a token with contents:write on this repository). Or run it by hand: Actions > retrain > Run workflow.',
    'The workflow pulls models, checks the posted version is the one now locked, runs the tests,',
    'commits models.lock.json and calls deploy.yml on that commit.',
  ];
}
