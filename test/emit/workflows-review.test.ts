/**
 * The pull-request job of the generated ci.yml, run for real where it can be: its two steps run
 * as the runner runs them (test/identity/ci-steps.ts) in a clone made the way actions/checkout
 * makes it, with the real `npx --no mlgen diff` (the built CLI, linked as the project's
 * devDependency), real git, and the GitHub REST API played by a stub written from GitHub's docs
 * (test/support/github-api-stub.ts): the API part is a CONTRACT test, not a test against GitHub.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVIEW_LABELS } from '../../src/emit/workflows-review.js';
import { EXIT } from '../../src/exit-codes.js';
import { mlgen, REPO } from '../support/cli.js';
import { startGitHubStub, type GitHubStub, type StubLabel } from '../support/github-api-stub.js';
import { runStepsAsync, type JobRun } from '../identity/ci-steps.js';

type Json = Record<string, any>;
const SUMMARY_STEP = 'Summarize the change against the base commit';
const LABEL_STEP = 'Label the pull request';
const REPOSITORY = 'acme/demo-svc';
const PR = 7;
const HUMAN: StubLabel = { name: 'needs-review', color: '0e8a16', description: null };

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function temp(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

interface Origin {
  dir: string;
  baseSha: string;
  mergeSha: string;
}

/**
 * The service's repository on "GitHub": main, a branch that changes the config (a new required
 * input field: breaking; more replicas: deploy), and the test merge commit GitHub keeps at
 * refs/pull/<n>/merge (first parent: the base).
 */
function makeOrigin(): Origin {
  const dir = path.join(temp('mlgen-review-origin-'), 'svc');
  mkdirSync(dir);
  expect(mlgen(dir, ['init', '--name', 'demo-svc', '--model', 'models:/demo/1', '--fields', 'user_id:string,age:number']).code).toBe(0);
  git(dir, 'init', '-q');
  git(dir, 'config', 'uploadpack.allowAnySHA1InWant', 'true'); // GitHub serves reachable SHAs
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'service');
  const baseSha = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '-qb', 'more-features');
  const file = path.join(dir, 'mlservice.yaml');
  const config = readFileSync(file, 'utf8');
  const changed = config
    .replace('        - age\n', '        - age\n        - country\n')
    .replace('          type: number\n      additionalProperties', '          type: number\n        country:\n          type: string\n      additionalProperties')
    .replace('        age: 1.5\n', '        age: 1.5\n        country: de\n')
    .replace('      min: 2\n', '      min: 4\n');
  expect(changed.split('country').length).toBe(4);
  expect(changed).toContain('      min: 4\n');
  writeFileSync(file, changed);
  expect(mlgen(dir, ['sync']).code).toBe(0);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'country is required');
  git(dir, 'checkout', '-q', '--detach', 'main');
  git(dir, 'merge', '-q', '--no-ff', '-m', `Merge pull request #${PR}`, 'more-features');
  const mergeSha = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'update-ref', `refs/pull/${PR}/merge`, mergeSha);
  git(dir, 'checkout', '-q', 'main');
  return { dir, baseSha, mergeSha };
}

/**
 * What actions/checkout does for a pull_request run (src/git-source-provider.ts, ref-helper.ts at
 * actions/checkout f548e57): fetch-depth 0 fetches all branches and tags plus the merge commit,
 * any other depth only the merge commit, `--depth=N`; then it checks out the merge commit.
 */
function checkout(origin: Origin, fetchDepth: number): string {
  const dir = path.join(temp('mlgen-review-runner-'), 'work');
  mkdirSync(dir);
  git(dir, 'init', '-q');
  git(dir, 'remote', 'add', 'origin', `file://${origin.dir}`);
  const merge = `+${origin.mergeSha}:refs/remotes/pull/${PR}/merge`;
  const fetch = ['-c', 'protocol.version=2', 'fetch', '--no-tags', '--prune', '--no-recurse-submodules'];
  if (fetchDepth <= 0) git(dir, ...fetch, 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*', merge);
  else git(dir, ...fetch, `--depth=${fetchDepth}`, 'origin', merge);
  git(dir, 'checkout', '-q', '--force', `refs/remotes/pull/${PR}/merge`);
  // `npm ci` would install generator-mlservice (a devDependency of the project): link the built one.
  mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync(REPO, path.join(dir, 'node_modules/generator-mlservice'), 'dir');
  symlinkSync('../generator-mlservice/bin/mlgen.js', path.join(dir, 'node_modules/.bin/mlgen'));
  symlinkSync('../generator-mlservice/bin/mlgen-ci.js', path.join(dir, 'node_modules/.bin/mlgen-ci'));
  return dir;
}

function reviewJob(workflow: string): Json {
  return (parse(workflow) as Json).jobs.review as Json;
}

async function runJob(workflow: string, dir: string, steps: string[], stub: GitHubStub, over: { token?: string; headRepo?: string; baseSha?: string } = {}): Promise<JobRun> {
  return runStepsAsync(workflow, 'review', steps, {
    cwd: dir,
    temp: temp('mlgen-review-temp-'),
    commands: {},
    // npm's update check would add a notice to the log; the runner image has none to show.
    env: { GITHUB_REPOSITORY: REPOSITORY, GITHUB_API_URL: stub.url, npm_config_update_notifier: 'false' },
    context: {
      'github.event.pull_request.base.sha': over.baseSha ?? '',
      'github.token': over.token ?? 'write-token',
      'github.event.pull_request.number': String(PR),
      'github.event.pull_request.head.repo.full_name': over.headRepo ?? REPOSITORY,
    },
  });
}

async function stubWith(issueLabels: string[], repoLabels: StubLabel[] = [HUMAN]): Promise<GitHubStub> {
  return startGitHubStub({ repository: REPOSITORY, tokens: { 'write-token': 'write', 'read-token': 'read' }, repoLabels, issueLabels: { [PR]: issueLabels } });
}

describe('ci.yml review job on a pull request (real git, real mlgen diff, GitHub REST API contract stub)', () => {
  let origin: Origin;
  let workflow: string;
  beforeAll(() => {
    origin = makeOrigin();
    workflow = readFileSync(path.join(origin.dir, '.github/workflows/ci.yml'), 'utf8');
  });

  it('runs only for pull requests, with the history it needs and the token rights labels need', () => {
    const job = reviewJob(workflow);
    expect(job.if).toBe("github.event_name == 'pull_request'");
    expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write', issues: 'write' });
    expect(job.steps.map((s: Json) => s.uses ?? s.run)).toEqual([
      'actions/checkout@v4',
      'actions/setup-node@v4',
      'npm ci --ignore-scripts',
      'npx --no mlgen-ci review-summary --base="$BASE_SHA"',
      'npx --no mlgen-ci review-labels --pr="$PR_NUMBER" --head-repo="$HEAD_REPO"',
    ]);
    expect(job.steps.slice(3).map((s: Json) => s.env)).toEqual([
      { BASE_SHA: '${{ github.event.pull_request.base.sha }}' },
      { PR_NUMBER: '${{ github.event.pull_request.number }}', HEAD_REPO: '${{ github.event.pull_request.head.repo.full_name }}', GITHUB_TOKEN: '${{ github.token }}' },
    ]);
    expect(job.steps[0].with).toEqual({ 'fetch-depth': 0 });
  });

  it('writes the semantic summary against the base commit and sets both labels, keeping the others', async () => {
    const job = reviewJob(workflow);
    const dir = checkout(origin, job.steps[0].with['fetch-depth']);
    const stub = await stubWith([HUMAN.name]);
    try {
      const run = await runJob(workflow, dir, [SUMMARY_STEP, LABEL_STEP], stub, { baseSha: origin.baseSha });
      // npm itself warns about the project's `onnxruntime-node-install` line (.npmrc); nothing else may reach stderr.
      const stderr = (s: { stderr: string }) => s.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('npm warn Unknown project config "onnxruntime-node-install"'));
      expect(run.steps.map((s) => [s.name, s.status, stderr(s)])).toEqual([
        [SUMMARY_STEP, 0, []],
        [LABEL_STEP, 0, []],
      ]);
      const direct = mlgen(dir, ['diff', '--base', origin.baseSha, '--format', 'markdown']);
      expect(direct.code).toBe(0);
      expect(direct.stdout.split('\n')[0]).toBe('### Changes to demo-svc');
      expect(direct.stdout).toContain('**BREAKING**');
      expect(run.summary).toBe(`${direct.stdout}\nLabels: \`api-breaking\`, \`deploy-impacting\` (+api-breaking, +deploy-impacting).\n`);
      expect(stub.issueLabels.get(PR)).toEqual([HUMAN.name, 'api-breaking', 'deploy-impacting']);
      expect(stub.repoLabels.get('api-breaking')).toEqual({ name: 'api-breaking', ...REVIEW_LABELS['api-breaking'] });
      expect(stub.calls.map((c) => `${c.method} ${c.path} ${JSON.stringify(c.body ?? null)}`)).toEqual([
        `GET /repos/${REPOSITORY}/issues/${PR}/labels?per_page=100 null`,
        `POST /repos/${REPOSITORY}/labels ${JSON.stringify({ name: 'api-breaking', ...REVIEW_LABELS['api-breaking'] })}`,
        `POST /repos/${REPOSITORY}/labels ${JSON.stringify({ name: 'deploy-impacting', ...REVIEW_LABELS['deploy-impacting'] })}`,
        `POST /repos/${REPOSITORY}/issues/${PR}/labels {"labels":["api-breaking","deploy-impacting"]}`,
      ]);
      for (const c of stub.calls) expect([c.accept, c.apiVersion]).toEqual(['application/vnd.github+json', '2022-11-28']);
    } finally {
      await stub.close();
    }
  });

  it('a shallow checkout (fetch-depth 1) fails with the reason and the fix, and never calls the service new', async () => {
    const dir = checkout(origin, 1);
    const stub = await stubWith([]);
    try {
      const run = await runJob(workflow, dir, [SUMMARY_STEP, LABEL_STEP], stub, { baseSha: origin.baseSha });
      // mlgen diff's own exit code (66: the base revision cannot be read) fails the step.
      expect(run.steps.map((s) => [s.name, s.status])).toEqual([[SUMMARY_STEP, 66]]);
      expect(run.steps[0]!.stderr).toContain('error REVIEW.BASE_NOT_FOUND');
      expect(run.steps[0]!.stderr).toContain('fetch-depth: 0');
      expect(run.summary).toBe(`mlgen diff could not compare with the base commit ${origin.baseSha}: the log of this step has the reason and its fix.\n`);
      expect(stub.calls).toEqual([]);
    } finally {
      await stub.close();
    }
  });
});

describe('the label step against the GitHub REST API contract (stub), one mlgen diff result per case', () => {
  let workflow: string;
  let dir: string;
  beforeAll(() => {
    dir = temp('mlgen-review-labels-');
    const project = path.join(dir, 'p');
    mkdirSync(project);
    expect(mlgen(project, ['init', '--name', 'demo-svc', '--model', 'models:/demo/1']).code).toBe(0);
    workflow = readFileSync(path.join(project, '.github/workflows/ci.yml'), 'utf8');
    // The step runs `npx --no mlgen-ci` in the project: `npm ci` would install generator-mlservice; link the built one.
    mkdirSync(path.join(project, 'node_modules/.bin'), { recursive: true });
    symlinkSync(REPO, path.join(project, 'node_modules/generator-mlservice'), 'dir');
    symlinkSync('../generator-mlservice/bin/mlgen-ci.js', path.join(project, 'node_modules/.bin/mlgen-ci'));
    dir = project;
  });

  async function label(diffLabels: string[], stub: GitHubStub, over: { token?: string; headRepo?: string } = {}): Promise<JobRun> {
    const tempDir = temp('mlgen-review-temp-');
    writeFileSync(path.join(tempDir, 'mlgen-diff.json'), JSON.stringify({ service: 'demo-svc', created: false, items: [], labels: diffLabels }));
    return runStepsAsync(workflow, 'review', [LABEL_STEP], {
      cwd: dir,
      temp: tempDir,
      commands: {},
      env: { GITHUB_REPOSITORY: REPOSITORY, GITHUB_API_URL: stub.url, npm_config_update_notifier: 'false' },
      context: {
        'github.token': over.token ?? 'write-token',
        'github.event.pull_request.number': String(PR),
        'github.event.pull_request.head.repo.full_name': over.headRepo ?? REPOSITORY,
      },
    });
  }

  const defined = Object.entries(REVIEW_LABELS).map(([name, l]) => ({ name, ...l }));
  const route = `/repos/${REPOSITORY}/issues/${PR}/labels`;

  it.each([
    {
      case: 'a label that no longer applies is removed, the others stay',
      diff: ['deploy-impacting'],
      before: [HUMAN.name, 'api-breaking', 'deploy-impacting'],
      after: [HUMAN.name, 'deploy-impacting'],
      calls: [`GET ${route}?per_page=100`, `DELETE ${route}/api-breaking`],
      summary: 'Labels: `deploy-impacting` (-api-breaking).',
    },
    {
      case: 'nothing to change: one read, no write (never an empty POST, which would clear every label)',
      diff: [],
      before: [HUMAN.name],
      after: [HUMAN.name],
      calls: [`GET ${route}?per_page=100`],
      summary: 'Labels: none.',
    },
    {
      case: 'labels already defined in the repository (422 already_exists) are just added',
      diff: ['api-breaking'],
      before: [],
      after: ['api-breaking'],
      calls: [`GET ${route}?per_page=100`, `POST /repos/${REPOSITORY}/labels`, `POST ${route}`],
      summary: 'Labels: `api-breaking` (+api-breaking).',
    },
  ])('$case', async (t) => {
    const stub = await stubWith(t.before, [HUMAN, ...defined]);
    try {
      const run = await label(t.diff, stub);
      // npm itself warns about the project's `onnxruntime-node-install` line (.npmrc); nothing else may reach stderr.
      const stderr = run.steps[0]!.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('npm warn Unknown project config "onnxruntime-node-install"'));
      expect(run.steps.map((s) => [s.status, s.stdout])).toEqual([[0, '']]);
      expect(stderr).toEqual([]);
      expect(stub.issueLabels.get(PR)).toEqual(t.after);
      expect(stub.calls.map((c) => `${c.method} ${c.path}`)).toEqual(t.calls);
      expect(run.summary).toBe(`\n${t.summary}\n`);
    } finally {
      await stub.close();
    }
  });

  it('a pull request from a fork (read-only token) is reported, not failed, and the API is not called', async () => {
    const stub = await stubWith([]);
    try {
      const run = await label(['api-breaking'], stub, { headRepo: 'someone/demo-svc', token: 'read-token' });
      expect(run.steps.map((s) => [s.status, s.stdout])).toEqual([
        [0, '::warning::labels not changed: this pull request comes from another repository (someone/demo-svc), so its GITHUB_TOKEN is read-only; labels that apply: api-breaking\n'],
      ]);
      expect(run.summary).toBe('\nLabels not changed: this pull request comes from another repository (someone/demo-svc), so its GITHUB_TOKEN is read-only. Labels that apply: `api-breaking`.\n');
      expect(stub.calls).toEqual([]);
    } finally {
      await stub.close();
    }
  });

  it('a head repository that was deleted counts as a fork', async () => {
    const stub = await stubWith([]);
    try {
      const run = await label([], stub, { headRepo: '' });
      expect(run.steps[0]!.status).toBe(0);
      expect(run.summary).toBe('\nLabels not changed: this pull request comes from another repository (deleted), so its GITHUB_TOKEN is read-only. Labels that apply: none.\n');
    } finally {
      await stub.close();
    }
  });

  it('a read-only token on the same repository (403 on the first write) is reported, not failed', async () => {
    const stub = await stubWith([]);
    try {
      const run = await label(['deploy-impacting'], stub, { token: 'read-token' });
      expect(run.steps[0]!.status).toBe(0);
      const why = `the token may not create labels (POST /repos/${REPOSITORY}/labels answered 403: {"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/issues/labels"})`;
      expect(run.steps[0]!.stdout).toBe(`::warning::labels not changed: ${why}; labels that apply: deploy-impacting\n`);
      expect(run.summary).toBe(`\nLabels not changed: ${why}. Labels that apply: \`deploy-impacting\`.\n`);
      expect(stub.issueLabels.get(PR)).toEqual([]);
    } finally {
      await stub.close();
    }
  });

  it('an API outage fails the step with the answer in the log', async () => {
    const stub = await stubWith([]);
    stub.failNext = 502;
    try {
      const run = await label(['api-breaking'], stub);
      expect(run.steps.map((s) => [s.status, s.stdout])).toEqual([
        [EXIT.unavailable, `::error::labelling the pull request failed: GET ${route}?per_page=100 answered 502: {"message":"Server Error"}\n`],
      ]);
      expect(run.summary).toBe('');
    } finally {
      await stub.close();
    }
  });
});
