/**
 * No secret in any generated file, image label, log line or error body. A project whose models come
 * from the MLflow registry and whose predictions need a bearer token is taken through what CI and
 * production do, with every secret in the environment of every step but the pulls (each picks one
 * kind of credential): `mlgen sync`, `mlgen models pull` with MLFLOW_TRACKING_TOKEN, then again with
 * MLFLOW_TRACKING_USERNAME/PASSWORD (against the MLflow REST contract stub, testkit/mlflow-stub.ts:
 * not a real MLflow), refused pulls (a wrong token, credentials in MLFLOW_TRACKING_URI), `mlgen
 * check`, the CI step that turns models.lock.json into the image's build args, the project's own
 * `tsc`, the service at log level trace answering authorized, unauthorized and bad requests, and a
 * typed openapi-typescript + openapi-fetch client calling it with the token. Then every file of the
 * project, the docker command line CI runs, the image labels the Dockerfile resolves to with those
 * build args, every command's output, the service's log and every answer (bodies and headers) are
 * searched for each secret, as written and as the Basic credential.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { buildArgsOf } from '../identity/ci-steps.js';
import { imageConfig, type ImageConfig } from '../identity/dockerfile-image.js';
import { MlflowStub } from '../../testkit/mlflow-stub.js';
import { MLGEN, type CliResult } from '../support/cli.js';
import { MINIMAL_YAML } from '../../testkit/fixtures.js';
import { startServiceProcess, type StartedService } from '../support/live-service.js';
import { buildMlp, writeMlflowModelDir } from '../../testkit/onnx-builder.js';
import { buildClient, runClient } from '../support/openapi-client.js';
import { linkDependencies, REPO, tsc } from '../../testkit/service-project.js';

const run = promisify(execFile);

const USER = 'ci-bot';
const SECRETS = {
  registryToken: 'mlflow-tok-S3CRET-3f9a1c77e2d4',
  registryPassword: 'mlflow-pw-S3CRET-8b2d64f0aa91',
  wrongRegistryToken: 'mlflow-tok-WR0NG-51c0de9b77aa',
  serviceToken: 'svc-tok-S3CRET-0d4e7a21c9b8f6e5',
  wrongServiceToken: 'svc-tok-WR0NG-77aa10fe3c2b1d0e',
};
/** Each secret as written, and the Basic credential the password travels in. */
const NEEDLES: Record<string, string> = {
  ...SECRETS,
  basicCredential: Buffer.from(`${USER}:${SECRETS.registryPassword}`).toString('base64'),
};

/** `where: secret` for every needle found in `haystacks`. */
function leaks(haystacks: Record<string, string | Buffer>): string[] {
  return Object.entries(haystacks).flatMap(([where, text]) =>
    Object.entries(NEEDLES)
      .filter(([, needle]) => (typeof text === 'string' ? text.includes(needle) : text.includes(Buffer.from(needle))))
      .map(([name]) => `${where}: ${name}`),
  );
}

const RUN_ID = '9c1f0e2d3b4a59687706f5e4d3c2b1a0';
const YAML = `apiVersion: mlservice/v1
service: {name: guarded, description: Scores behind a bearer token, owner: ds-team}
models:
  - {name: churn, source: "models:/churn/3"}
endpoints:
  - name: score
    model: churn
    input: {type: object, required: [features], additionalProperties: false, properties: {features: {type: array, items: {type: number}, minItems: 4, maxItems: 4}}}
    output: {type: object, required: [score], properties: {score: {type: number}}}
    examples:
      - {features: [0.1, 0.2, 0.3, 0.4]}
server:
  auth: {type: bearer}
${MINIMAL_YAML.slice(MINIMAL_YAML.indexOf('deploy:\n'))}`;

/** Every file under `dir` but node_modules, as bytes (models and compiled code included). */
async function files(dir: string, rel = ''): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const entry of await readdir(join(dir, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.name === 'node_modules' || entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) Object.assign(out, await files(dir, path));
    else out[path] = await readFile(join(dir, path));
  }
  return out;
}

describe('a run with registry credentials and a service token leaves no secret in outputs, labels, logs or answers', () => {
  let dir = '';
  let artifacts = '';
  let stub: MlflowStub;
  let svc: StartedService | undefined;
  const outputs: Record<string, string> = {};
  const env: NodeJS.ProcessEnv = { MLFLOW_TRACKING_TOKEN: SECRETS.registryToken, MLFLOW_TRACKING_USERNAME: '', MLFLOW_TRACKING_PASSWORD: '', MLSERVICE_AUTH_TOKEN: SECRETS.serviceToken };
  /** The registry password too, for the steps that do not pick a kind of credential on purpose (pulls do). */
  const everySecret = { MLFLOW_TRACKING_USERNAME: USER, MLFLOW_TRACKING_PASSWORD: SECRETS.registryPassword };

  /** The built CLI as a child process, asynchronously: the MLflow stub answers from this process. */
  async function cli(name: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    const r = await run(process.execPath, [MLGEN, ...args], { cwd: dir, env: { ...process.env, ...env, ...extra } }).then(
      (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }),
    );
    outputs[`mlgen ${name}`] = r.stdout + r.stderr;
    return r;
  }

  // The scenario runs once, here, in the order CI and production run it (pull, build, compile,
  // serve); each test below checks what it recorded, so any test runs alone and in any order.
  const codes: Record<string, number> = {};
  let wrongTokenStderr = '';
  let authorizations: Array<string | undefined> = [];
  let image: ImageConfig = { labels: {}, env: {} };
  let compiled: Awaited<ReturnType<typeof tsc>>;
  const statuses: number[] = [];
  let client: { generate: number; tsc: Awaited<ReturnType<typeof tsc>> };
  let withToken: Awaited<ReturnType<typeof runClient>> = [];
  let without: Awaited<ReturnType<typeof runClient>> = [];

  /** mlgen sync and models pull with every kind of credential, refused ones first; then check. */
  async function pullAndCheck(): Promise<void> {
    codes.sync = (await cli('sync', ['sync'], everySecret)).code;
    const wrong = await cli('models pull (wrong token)', ['models', 'pull'], { MLFLOW_TRACKING_TOKEN: SECRETS.wrongRegistryToken });
    [codes.wrongToken, wrongTokenStderr] = [wrong.code, wrong.stderr];
    // Credentials in the URI are refused (and must not be echoed), whatever its scheme.
    const inUri = { MLFLOW_TRACKING_URI: env.MLFLOW_TRACKING_URI!.replace('http://', `http://${USER}:${SECRETS.registryPassword}@`) };
    codes.inUri = (await cli('models pull (credentials in the URI)', ['models', 'pull'], inUri)).code;
    const otherScheme = { MLFLOW_TRACKING_URI: `ftp://${USER}:${SECRETS.registryPassword}@mlflow.example.com/` };
    codes.otherScheme = (await cli('models pull (credentials in a ftp URI)', ['models', 'pull'], otherScheme)).code;
    codes.token = (await cli('models pull (token)', ['models', 'pull'])).code;
    stub.opts.authorization = `Basic ${NEEDLES.basicCredential}`;
    const basic = { MLFLOW_TRACKING_USERNAME: USER, MLFLOW_TRACKING_PASSWORD: SECRETS.registryPassword };
    codes.password = (await cli('models pull --force (password)', ['models', 'pull', '--force'], basic)).code;
    authorizations = [...new Set(stub.requests.map((r) => r.authorization))].sort();
    codes.syncWithModels = (await cli('sync (models present)', ['sync'], everySecret)).code;
    codes.check = (await cli('check', ['check'], basic)).code;
  }

  /** CI's build step (mlgen-ci build-image) with a `docker` stand-in that records its arguments; then the project's tsc. */
  async function buildAndCompile(): Promise<void> {
    const temp = join(dir, '.ci-temp');
    await mkdir(temp);
    await writeFile(join(temp, 'docker'), '#!/bin/sh\nprintf "%s\\n" "$@" > "$RUNNER_TEMP/docker-$1.argv"\n', { mode: 0o755 });
    const args = ['build-image', '--image=registry.example.com/ds/guarded', '--version=0.1.0', '--source=https://github.com/ds/guarded', '--tag=0123456789abcdef0123456789abcdef01234567'];
    const buildStep = await run(process.execPath, [join(REPO, 'bin/mlgen-ci.js'), ...args], {
      cwd: dir,
      env: { ...process.env, ...env, ...everySecret, RUNNER_TEMP: temp, PATH: `${temp}:${process.env.PATH}` },
    });
    outputs['CI build step'] = buildStep.stdout + buildStep.stderr;
    // The whole docker command line: a build arg carrying a secret would sit in the image's history.
    outputs['docker build arguments'] = await readFile(join(temp, 'docker-build.argv'), 'utf8');
    const buildArgs = buildArgsOf(outputs['docker build arguments'].split('\n').slice(0, -1));
    image = imageConfig(await readFile(join(dir, 'Dockerfile'), 'utf8'), buildArgs);
    outputs['image labels and env'] = JSON.stringify(image);
    await rm(temp, { recursive: true });
    await linkDependencies(dir);
    compiled = await tsc(dir, true);
  }

  /** The service at log level trace, called directly and through a typed client, with and without the token. */
  async function serve(): Promise<void> {
    svc = await startServiceProcess(dir, { ...(env as Record<string, string>), ...everySecret, LOG_LEVEL: 'trace' });
    const calls: Array<[string, string, Record<string, string>, string?]> = [
      ['ok', '/v1/score', { authorization: `Bearer ${SECRETS.serviceToken}` }, '{"features":[0.1,0.2,0.3,0.4]}'],
      ['bad body', '/v1/score', { authorization: `Bearer ${SECRETS.serviceToken}` }, '{"features":[1,"x"]}'],
      ['no token', '/v1/score', {}, '{"features":[0.1,0.2,0.3,0.4]}'],
      ['wrong token', '/v1/score', { authorization: `Bearer ${SECRETS.wrongServiceToken}` }, '{"features":[0.1,0.2,0.3,0.4]}'],
      ['registry credential as the token', '/v1/score', { authorization: `Basic ${NEEDLES.basicCredential}` }, '{"features":[0.1,0.2,0.3,0.4]}'],
      ['unknown route', '/v1/nothing', { authorization: `Bearer ${SECRETS.serviceToken}` }, '{}'],
      ['metadata', '/metadata', {}],
      ['openapi', '/openapi.json', {}],
      ['metrics', '/metrics', {}],
    ];
    for (const [name, path, headers, body] of calls) {
      const res = await fetch(svc.base + path, body === undefined ? { headers } : { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      statuses.push(res.status);
      outputs[`answer: ${name}`] = `${JSON.stringify([...res.headers])}\n${await res.text()}`;
    }
    const clientDir = join(dir, 'client');
    await mkdir(clientDir);
    await symlink(join(REPO, 'node_modules'), join(clientDir, 'node_modules'), 'dir');
    const { model } = await loadConfig(join(dir, 'mlservice.yaml'));
    const built = await buildClient(dir, model, `${svc.base}/openapi.json`);
    client = { generate: built.generate.code, tsc: built.tsc };
    withToken = await runClient(dir, svc.base, { authorization: `Bearer ${SECRETS.serviceToken}` });
    without = await runClient(dir, svc.base);
    outputs['typed client'] = JSON.stringify([withToken, without]);
    await svc.stop();
    outputs['service log'] = svc.output();
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlgen-no-secrets-'));
    artifacts = await mkdtemp(join(tmpdir(), 'mlgen-no-secrets-artifacts-'));
    await writeMlflowModelDir(join(artifacts, '1', RUN_ID, 'artifacts', 'model'), buildMlp({ inputName: 'input', inputDim: 4, hidden: [8], seed: 3 }), { runId: RUN_ID });
    stub = new MlflowStub({ artifactsRoot: artifacts, authorization: `Bearer ${SECRETS.registryToken}` });
    stub.addVersion({ name: 'churn', version: '3', status: 'READY', runId: RUN_ID, artifactUri: `mlflow-artifacts:/1/${RUN_ID}/artifacts/model` });
    env.MLFLOW_TRACKING_URI = await stub.start();
    await writeFile(join(dir, 'mlservice.yaml'), YAML);
    await pullAndCheck();
    await buildAndCompile();
    await serve();
  }, 600_000);
  afterAll(async () => {
    await svc?.stop();
    await stub?.close();
    await rm(dir, { recursive: true, force: true });
    await rm(artifacts, { recursive: true, force: true });
  });

  it('syncs, refuses bad registry credentials, pulls with a token and with a password, and checks clean', () => {
    expect(codes).toEqual({ sync: 0, wrongToken: 69, inUri: 65, otherScheme: 65, token: 0, password: 0, syncWithModels: 0, check: 0 });
    expect(wrongTokenStderr).toContain('error MODELS.AUTH ');
    // The credentials were really used, each kind on a request of its own.
    expect(authorizations).toEqual([`Basic ${NEEDLES.basicCredential}`, `Bearer ${SECRETS.registryToken}`, `Bearer ${SECRETS.wrongRegistryToken}`].sort());
  });

  it('builds the image labels from the lock as CI does, and compiles the service', () => {
    // Resolved for real: the run id from the registry reaches its label.
    expect(image.labels['io.mlservice.model.churn.run-id']).toBe(RUN_ID);
    expect(outputs['docker build arguments']).toMatch(new RegExp(`^--build-arg\n[A-Z_]+=${RUN_ID}$`, 'm'));
    expect(compiled).toEqual({ code: 0, output: '' });
  });

  it('serves with the token: authorized, unauthorized and bad requests, operational routes and a typed client', () => {
    expect(statuses, outputs['answer: ok']).toEqual([200, 400, 401, 401, 401, 404, 200, 200, 200]);
    expect(client).toEqual({ generate: 0, tsc: { code: 0, output: '' } });
    expect(withToken.map((c) => [c.path, c.status])).toEqual([
      ['/v1/score', 200],
      ['/v1/score', 400],
      ['/livez', 200],
    ]);
    expect(without.map((c) => [c.path, c.status, (c.error as { type?: string } | undefined)?.type ?? null])).toEqual([
      ['/v1/score', 401, 'urn:mlservice:problem:unauthorized'],
      ['/v1/score', 401, 'urn:mlservice:problem:unauthorized'],
      ['/livez', 200, null],
    ]);
    // Trace level: every request was logged, refusals included.
    expect(outputs['service log']!.match(/"statusCode":401/g)).toHaveLength(5);
  });

  it('finds no secret anywhere', async () => {
    const project = await files(dir);
    // The search is real: it finds a secret where one is, and it read the whole project.
    expect(leaks({ probe: `x${SECRETS.serviceToken}x`, bytes: Buffer.from(`\0${NEEDLES.basicCredential}`) })).toEqual(['probe: serviceToken', 'bytes: basicCredential']);
    expect(Object.keys(project)).toEqual(
      expect.arrayContaining([
        'models.lock.json',
        'Dockerfile',
        'openapi.yaml',
        'dist/generated/service.js',
        'models/churn/model.onnx',
        `chart/guarded/values.yaml`,
        '.github/workflows/deploy.yml',
        'client/out/client.js',
      ]),
    );
    expect([...leaks(project), ...leaks(outputs)]).toEqual([]);
  });
});
