/**
 * The three workflow objects. Actions are pinned by major version.
 * @see https://docs.github.com/actions/writing-workflows/workflow-syntax-for-github-actions
 * @see https://docs.github.com/actions/sharing-automations/reusing-workflows
 */
import type { ServiceModel } from '../config/model.js';
import { deployWebhookSource } from './spinnaker-names.js';
import { ci } from './workflows-ci.js';
import { registryLoginSteps, registryPermissions } from './workflows-registry.js';
import { reviewJob } from './workflows-review.js';
import { gh, plain } from './workflows-yaml.js';

export const WORKFLOW_PATHS = {
  ci: '.github/workflows/ci.yml',
  deploy: '.github/workflows/deploy.yml',
  retrain: '.github/workflows/retrain.yml',
} as const;

export const ACTIONS = {
  checkout: 'actions/checkout@v4',
  setupNode: 'actions/setup-node@v4',
} as const;

/** Commit-message flags read by ci.yml. */
export const FLAGS = { skipDeploy: '[skip-deploy]', deployOnly: '[deploy-only]' } as const;

/** The repository_dispatch event a training job posts. */
export const RETRAIN_EVENT = 'mlservice-model-version';

const NODE_VERSION = '24';

function setupSteps(checkoutWith?: Record<string, string | number>, install = 'npm ci') {
  return [
    { name: 'Check out', uses: ACTIONS.checkout, ...(checkoutWith ? { with: checkoutWith } : {}) },
    { name: 'Set up Node.js', uses: ACTIONS.setupNode, with: { 'node-version': NODE_VERSION, cache: 'npm' } },
    { name: 'Install dependencies', run: install },
  ];
}

const mlflowEnv = () => ({ MLFLOW_TRACKING_URI: gh('secrets.MLFLOW_TRACKING_URI'), MLFLOW_TRACKING_TOKEN: gh('secrets.MLFLOW_TRACKING_TOKEN') });

export function ciWorkflow(m: ServiceModel) {
  const msg = 'github.event.head_commit.message';
  return {
    name: 'ci',
    on: { push: { branches: ['main'] }, pull_request: {} },
    permissions: { contents: 'read' },
    concurrency: { group: gh('github.workflow') + '-' + gh('github.ref'), 'cancel-in-progress': gh("github.ref != 'refs/heads/main'") },
    jobs: {
      check: {
        name: 'Check and test',
        'runs-on': 'ubuntu-latest',
        steps: [...setupSteps(), { name: 'Generated files are in sync', run: 'npx --no mlgen check' }, { name: 'Test', run: 'npm test' }],
      },
      // fetch-depth 0: the base commit must be in the clone. No install scripts in the one job
      // whose token may write.
      review: reviewJob(setupSteps({ 'fetch-depth': 0 }, 'npm ci --ignore-scripts')),
      deploy: {
        needs: 'check',
        if: `github.event_name == 'push' && github.ref == 'refs/heads/main' && !contains(${msg}, '${FLAGS.skipDeploy}')`,
        permissions: registryPermissions(m),
        uses: './' + WORKFLOW_PATHS.deploy,
        with: { models: gh(`contains(${msg}, '${FLAGS.deployOnly}') && 'locked' || 'resolve'`) },
        secrets: 'inherit',
      },
    },
  };
}

export function deployWorkflow(m: ServiceModel) {
  const image = plain(`${m.deploy.image.registry}/${m.deploy.image.repository}`, 'image');
  return {
    name: 'deploy',
    on: {
      workflow_call: {
        inputs: {
          ref: { description: 'Commit to deploy (default: the calling commit).', type: 'string', required: false, default: '' },
          models: {
            description: 'resolve: pull the sources in mlservice.yaml; locked: exactly models.lock.json (a hotfix: this code, the models already locked).',
            type: 'string',
            required: false,
            default: 'resolve',
          },
        },
      },
    },
    // One deploy at a time; a newer one waits instead of cancelling a running canary.
    concurrency: { group: 'deploy-' + plain(m.service.name, 'service name'), 'cancel-in-progress': false },
    jobs: { install: installJob(), deploy: { needs: 'install', ...deployJob(m, image) } },
  };
}

/**
 * Saves deploy/spinnaker/ of this commit into Spinnaker before the deploy is triggered, so the
 * pipeline that runs is the one committed: `mlgen spinnaker install` upserts the canary config
 * (Kayenta, through gate) and both pipelines by their ids; unchanged ones are not written.
 */
function installJob() {
  return {
    name: 'Install the Spinnaker pipelines and canary config',
    'runs-on': 'ubuntu-latest',
    permissions: { contents: 'read' },
    steps: [
      ...setupSteps({ ref: gh('inputs.ref') }),
      // mlgen spinnaker install reads SPINNAKER_GATE_URL and SPINNAKER_GATE_TOKEN itself.
      {
        name: 'Save pipelines and canary config',
        env: { SPINNAKER_GATE_URL: gh('secrets.SPINNAKER_GATE_URL'), SPINNAKER_GATE_TOKEN: gh('secrets.SPINNAKER_GATE_TOKEN') },
        run: 'npx --no mlgen spinnaker install',
      },
    ],
  };
}

function deployJob(m: ServiceModel, image: string) {
  return {
    name: 'Build, push, trigger Spinnaker',
    'runs-on': 'ubuntu-latest',
    permissions: registryPermissions(m),
    steps: [
      ...setupSteps({ ref: gh('inputs.ref') }),
      ci('Pull models', 'pull-models', { mode: ['MODELS', gh('inputs.models')] }, mlflowEnv()),
      ...registryLoginSteps(m),
      // The image is tagged with the checked-out commit (git rev-parse HEAD), as is the deploy.
      ci(
        'Build and push the image',
        'build-image',
        {
          image: ['IMAGE', image],
          version: ['SERVICE_VERSION', plain(m.service.version, 'service version')],
          source: ['SOURCE_URL', gh('github.server_url') + '/' + gh('github.repository')],
        },
        {},
        ['push'],
      ),
      ci(
        'Trigger the Spinnaker pipeline',
        'trigger-deploy',
        {
          source: ['WEBHOOK_SOURCE', plain(deployWebhookSource(m), 'webhook source')],
          'chart-repo': ['CHART_REPO', gh('github.server_url') + '/' + gh('github.repository') + '.git'],
          baseline: ['BASELINE_IMAGE_TAG', gh('vars.PRODUCTION_IMAGE_TAG')],
        },
        { SPINNAKER_WEBHOOK_URL: gh('secrets.SPINNAKER_WEBHOOK_URL') },
      ),
    ],
  };
}

export function retrainWorkflow(m: ServiceModel) {
  const models = m.models.map((x) => plain(x.name, 'model name'));
  const input = (field: string) => gh(`github.event.inputs.${field} || github.event.client_payload.${field}`);
  return {
    name: 'retrain',
    on: {
      workflow_dispatch: {
        inputs: {
          model: { description: 'Model (as named in mlservice.yaml)', type: 'choice', required: true, options: models },
          version: { description: 'Registry version the training job produced', type: 'string', required: true },
        },
      },
      repository_dispatch: { types: [RETRAIN_EVENT] },
    },
    permissions: { contents: 'read' },
    concurrency: { group: 'retrain-' + plain(m.service.name, 'service name'), 'cancel-in-progress': false },
    jobs: {
      lock: {
        name: 'Lock the new model version',
        'runs-on': 'ubuntu-latest',
        permissions: { contents: 'write' },
        outputs: { sha: gh('steps.commit.outputs.sha') },
        steps: [
          ...setupSteps(),
          ci('Lock the posted model version', 'pull-model', { model: ['MODEL', input('model')], version: ['VERSION', input('version')] }, mlflowEnv()),
          { name: 'Generated files are in sync', run: 'npx --no mlgen check' },
          { name: 'Test with the new model', run: 'npm test' },
          { id: 'commit', ...ci('Commit models.lock.json', 'commit-lock', { model: ['MODEL', input('model')], version: ['VERSION', input('version')] }) },
        ],
      },
      deploy: {
        needs: 'lock',
        permissions: registryPermissions(m),
        uses: './' + WORKFLOW_PATHS.deploy,
        with: { ref: gh('needs.lock.outputs.sha'), models: 'locked' },
        secrets: 'inherit',
      },
    },
  };
}
