/**
 * `mlgen-ci`, the generator package's bin the generated workflows run, as a step runs it: the built
 * bin as a child process in a project directory, real git, and stand-ins only for what is outside
 * (docker: a script on PATH recording its arguments; the Spinnaker webhook: a local HTTP server).
 * The workflow steps that call it run as the runner runs them in test/identity and
 * test/emit/workflows-review.test.ts; `pull-model` against the MLflow stub is in test/ci/pull-model.test.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emitDockerfile } from '../../src/emit/dockerfile.js';
import { OPERATOR_PARAMS } from '../../src/emit/spinnaker-names.js';
import { deployPipeline } from '../../src/emit/spinnaker-pipeline.js';
import { BUILD_ARG, modelBuildArg } from '../../src/emit/workflows-build-args.js';
import { EXIT } from '../../src/exit-codes.js';
import { abModel } from '../../testkit/fixtures.js';
import { REPO } from '../support/cli.js';

const BIN = join(REPO, 'bin/mlgen-ci.js');
const SHA = 'a'.repeat(40);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** models.lock.json of abModel(): one registry model, one whose run id is hostile shell text. */
const LOCK = {
  lockVersion: 1,
  models: {
    'ranker-treatment': {
      source: 'models:/activity-ranker@challenger',
      registry: { registeredModel: 'activity-ranker', version: '13', runId: "r'; rm -rf / #", alias: 'challenger' },
      files: [],
      sha256: '0'.repeat(64),
    },
    'ranker-control': { source: 'models/control.onnx', registry: null, files: [], sha256: `123456789abc${'f'.repeat(52)}` },
  },
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A project directory with the lock and stand-ins `git` (rev-parse HEAD) and `docker` (records argv) on PATH. */
function project(lock: object | null = LOCK): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'mlgen-ci-bin-'));
  dirs.push(dir);
  if (lock) writeFileSync(join(dir, 'models.lock.json'), JSON.stringify(lock));
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  tool('git', `[ "$*" = "rev-parse HEAD" ] && echo ${SHA} && exit 0\necho "unexpected: git $*" >&2; exit 1`);
  tool('docker', 'printf "%s\\n" "$@" >> "$RUNNER_TEMP/docker.argv"; echo "--" >> "$RUNNER_TEMP/docker.argv"');
  return { dir, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: dir } };
}

/** The bin, asynchronously (a test may serve HTTP to it from this process). */
async function ciBin(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number];
  return { code, stdout, stderr };
}

/** docker invocations recorded by the stand-in, one argv per call. */
function dockerCalls(dir: string): string[][] {
  const text = (() => {
    try {
      return readFileSync(join(dir, 'docker.argv'), 'utf8');
    } catch {
      return '';
    }
  })();
  return text
    .split('--\n')
    .filter(Boolean)
    .map((call) => call.split('\n').slice(0, -1));
}

describe('mlgen-ci build-image', () => {
  const image = 'registry.example.com/reco/activity-ranker';

  it('builds with the revision, version, source and every locked model identity as single arguments, then pushes', async () => {
    const { dir, env } = project();
    const r = await ciBin(['build-image', `--image=${image}`, '--version=1.2.0', '--source=https://github.com/o/r', '--push'], dir, env);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const control = { VERSION: 'sha256-123456789abc', RUN_ID: '', SHA256: `123456789abc${'f'.repeat(52)}` };
    const treatment = { VERSION: '13', RUN_ID: "r'; rm -rf / #", SHA256: '0'.repeat(64) };
    const modelArgs = Object.entries({ 'ranker-control': control, 'ranker-treatment': treatment }).flatMap(([name, id]) =>
      (['VERSION', 'RUN_ID', 'SHA256'] as const).flatMap((f) => ['--build-arg', `${modelBuildArg(name, f)}=${id[f]}`]),
    );
    expect(dockerCalls(dir)).toEqual([
      ['build', '--build-arg', `REVISION=${SHA}`, '--build-arg', 'VERSION=1.2.0', '--build-arg', 'SOURCE=https://github.com/o/r', ...modelArgs, '--tag', `${image}:${SHA}`, '.'],
      ['push', `${image}:${SHA}`],
    ]);
    expect(r.stdout).toBe("ranker-control: version sha256-123456789abc\nranker-treatment: version 13, run r'; rm -rf / #\n");
  });

  it('without --push only builds (a local build, as the Dockerfile header shows)', async () => {
    const { dir, env } = project();
    expect((await ciBin(['build-image', `--image=${image}`, '--version=1.2.0'], dir, env)).code).toBe(0);
    expect(dockerCalls(dir).map((c) => c[0])).toEqual(['build']);
  });

  it('passes only build args the generated Dockerfile declares', async () => {
    const { dir, env } = project();
    await ciBin(['build-image', `--image=${image}`, '--version=1.2.0'], dir, env);
    const dockerfile = emitDockerfile(abModel()).find((f) => f.path === 'Dockerfile')!.content;
    const declared = new Set([...dockerfile.matchAll(/^ARG ([A-Z0-9_]+)=/gm)].map((x) => x[1]));
    const passed = dockerCalls(dir)[0]!
      .filter((_a, i, all) => all[i - 1] === '--build-arg')
      .map((a) => a.slice(0, a.indexOf('=')));
    expect(passed.slice(0, 3)).toEqual([BUILD_ARG.revision, BUILD_ARG.version, BUILD_ARG.source]);
    expect(passed.filter((name) => !declared.has(name))).toEqual([]);
  });

  it('refuses without a lock, or with a newline in a locked value, before docker runs', async () => {
    const none = project(null);
    const r = await ciBin(['build-image', `--image=${image}`, '--version=1'], none.dir, none.env);
    expect([r.code, r.stdout]).toEqual([EXIT.noInput, '::error::building the image failed: models.lock.json does not exist: run "mlgen models pull" first\n']);
    const bad = structuredClone(LOCK);
    bad.models['ranker-treatment'].registry.runId = 'x\nINJECTED=1';
    const newline = project(bad);
    const n = await ciBin(['build-image', `--image=${image}`, '--version=1'], newline.dir, newline.env);
    expect([n.code, n.stdout]).toEqual([EXIT.invalidConfig, '::error::building the image failed: models.lock.json: the runId of model "ranker-treatment" holds a newline\n']);
    expect(dockerCalls(none.dir).concat(dockerCalls(newline.dir))).toEqual([]);
  });
});

describe('mlgen-ci trigger-deploy (Spinnaker webhook: a local stand-in)', () => {
  async function webhook(status = 200) {
    const received: Array<{ method: string; url: string; type: string; body: string }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req
        .setEncoding('utf8')
        .on('data', (d: string) => (body += d))
        .on('end', () => {
          received.push({ method: req.method ?? '', url: req.url ?? '', type: req.headers['content-type'] ?? '', body });
          res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"eventId":"e1"}' : '{"message":"no pipeline"}');
        });
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, received, close: () => new Promise((r) => server.close(r)) };
  }

  it('posts exactly the parameters the deploy pipeline declares (operator ones aside) to its webhook', async () => {
    const hook = await webhook();
    try {
      const { dir, env } = project();
      const r = await ciBin(['trigger-deploy', '--source=activity-ranker', '--chart-repo=https://github.com/o/r.git', `--baseline=${'b'.repeat(40)}`], dir, {
        ...env,
        SPINNAKER_WEBHOOK_URL: `${hook.url}/`,
      });
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(hook.received.map((x) => [x.method, x.url, x.type])).toEqual([['POST', '/webhooks/webhook/activity-ranker', 'application/json']]);
      const { parameters } = JSON.parse(hook.received[0]!.body) as { parameters: Record<string, string> };
      expect(parameters).toEqual({
        imageTag: SHA,
        baselineImageTag: 'b'.repeat(40),
        gitSha: SHA,
        chartRepo: 'https://github.com/o/r.git',
        'modelVersion_ranker-control': 'sha256-123456789abc',
        'modelRunId_ranker-control': '',
        'modelVersion_ranker-treatment': '13',
        'modelRunId_ranker-treatment': "r'; rm -rf / #",
      });
      const declared = (deployPipeline(abModel()) as { parameterConfig: Array<{ name: string }> }).parameterConfig.map((p) => p.name);
      expect(Object.keys(parameters).sort()).toEqual(declared.filter((n) => !OPERATOR_PARAMS.includes(n)).sort());
      expect(readFileSync(join(dir, 'spinnaker-payload.json'), 'utf8')).toBe(hook.received[0]!.body);
      expect(r.stdout).not.toContain(hook.url);
    } finally {
      await hook.close();
    }
  });

  it('on a first deploy (no PRODUCTION_IMAGE_TAG) sends an empty baseline and says what to set once it succeeds', async () => {
    const hook = await webhook();
    try {
      const { dir, env } = project();
      const r = await ciBin(['trigger-deploy', '--source=activity-ranker', '--chart-repo=https://github.com/o/r.git', '--baseline='], dir, { ...env, SPINNAKER_WEBHOOK_URL: hook.url });
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe(
        `::warning::repository variable PRODUCTION_IMAGE_TAG is not set: first deploy, no canary. Once it succeeds, run: gh variable set PRODUCTION_IMAGE_TAG --body ${SHA}`,
      );
      expect(JSON.parse(hook.received[0]!.body).parameters.baselineImageTag).toBe('');
    } finally {
      await hook.close();
    }
  });

  it('fails the step when the webhook refuses, or is not configured', async () => {
    const hook = await webhook(404);
    try {
      const { dir, env } = project();
      const r = await ciBin(['trigger-deploy', '--source=activity-ranker', '--chart-repo=x'], dir, { ...env, SPINNAKER_WEBHOOK_URL: hook.url });
      expect([r.code, r.stdout.split('\n').at(-2)]).toEqual([EXIT.unavailable, '::error::triggering the Spinnaker pipeline failed: the Spinnaker webhook answered 404: {"message":"no pipeline"}']);
      const unset = await ciBin(['trigger-deploy', '--source=activity-ranker', '--chart-repo=x'], dir, { ...env, SPINNAKER_WEBHOOK_URL: '' });
      expect([unset.code, unset.stdout]).toEqual([
        EXIT.usage,
        '::error::triggering the Spinnaker pipeline failed: SPINNAKER_WEBHOOK_URL is not set: add the repository secret (Spinnaker gate base URL)\n',
      ]);
    } finally {
      await hook.close();
    }
  });
});

describe('mlgen-ci commit-lock (real git, a bare remote)', () => {
  function repo(): { dir: string; remote: string; env: NodeJS.ProcessEnv } {
    const remote = mkdtempSync(join(tmpdir(), 'mlgen-ci-remote-'));
    const dir = mkdtempSync(join(tmpdir(), 'mlgen-ci-repo-'));
    dirs.push(remote, dir);
    const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8' });
    git(remote, 'init', '-q', '--bare');
    git(dir, 'init', '-q', '-b', 'main');
    writeFileSync(join(dir, 'models.lock.json'), '{"lockVersion":1,"models":{}}\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'init');
    git(dir, 'remote', 'add', 'origin', remote);
    git(dir, 'push', '-q', 'origin', 'main');
    writeFileSync(join(dir, 'out'), '');
    return { dir, remote, env: { ...process.env, GITHUB_REF_NAME: 'main', GITHUB_OUTPUT: join(dir, 'out') } };
  }
  const head = (cwd: string, ref = 'HEAD') => execFileSync('git', ['rev-parse', ref], { cwd, encoding: 'utf8' }).trim();

  it('commits a changed lock as the Actions bot, pushes it to the branch and outputs the new commit', async () => {
    const { dir, remote, env } = repo();
    writeFileSync(join(dir, 'models.lock.json'), '{"lockVersion":1,"models":{"m":{}}}\n');
    const r = await ciBin(['commit-lock', '--model=ranker-control', '--version=13'], dir, env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(head(remote, 'main')).toBe(head(dir));
    expect(execFileSync('git', ['log', '-1', '--format=%an <%ae>%n%B'], { cwd: dir, encoding: 'utf8' })).toBe(
      'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\nLock model ranker-control version 13\n\nPosted by a training job (retrain workflow).\n\n',
    );
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe(`sha=${head(dir)}\n`);
  });

  it('with an unchanged lock commits nothing and outputs HEAD', async () => {
    const { dir, env } = repo();
    const before = head(dir);
    const r = await ciBin(['commit-lock', '--model=ranker-control', '--version=13'], dir, env);
    expect([r.code, r.stdout]).toEqual([0, 'models.lock.json unchanged\n']);
    expect([head(dir), readFileSync(join(dir, 'out'), 'utf8')]).toEqual([before, `sha=${before}\n`]);
  });
});

describe('mlgen-ci arguments', () => {
  it.each([
    [['pull-models', '--mode=bogus'], EXIT.usage, '::error::pulling the models failed: --mode must be resolve or locked, not "bogus"\n'],
    [['pull-model', '--model=--force', '--version=1'], EXIT.usage, '::error::locking the posted model version failed: not a model name: "--force"\n'],
    [['pull-model', '--model=a;b', '--version=1'], EXIT.usage, '::error::locking the posted model version failed: not a model name: "a;b"\n'],
    [['pull-model', '--model=x\ny', '--version=1'], EXIT.usage, '::error::locking the posted model version failed: not a model name: "x\\ny"\n'],
    [['pull-model', '--model=', '--version=1'], EXIT.usage, '::error::locking the posted model version failed: not a model name: ""\n'],
    [['pull-model', '--model=m', '--version=1; rm'], EXIT.usage, '::error::locking the posted model version failed: not a model version: "1; rm"\n'],
    [['commit-lock', '--model=m', '--version=$(id)'], EXIT.usage, '::error::committing models.lock.json failed: not a model version: "$(id)"\n'],
  ] as const)('%j: exit %i before running anything', async (args, code, stdout) => {
    const { dir, env } = project();
    expect(await ciBin([...args], dir, env)).toEqual({ code, stdout, stderr: '' });
  });

  it('a usage error (unknown command, unknown or ambiguous option) is exit 64 with the usage', async () => {
    const { dir, env } = project();
    const unknown = await ciBin(['deploy-everything'], dir, env);
    expect([unknown.code, unknown.stderr.split('\n')[0]]).toEqual([EXIT.usage, 'mlgen-ci: unknown command "deploy-everything"']);
    const option = await ciBin(['pull-models', '--nope=1'], dir, env);
    // Node's own wording after the option name differs between versions.
    expect([option.code, option.stderr.startsWith("mlgen-ci pull-models: Unknown option '--nope'")]).toEqual([EXIT.usage, true]);
    // A value that looks like an option only passes in the `--name=value` form the workflows use.
    const ambiguous = await ciBin(['pull-model', '--model', '--force'], dir, env);
    expect(ambiguous.code).toBe(EXIT.usage);
  });
});
