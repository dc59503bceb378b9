/**
 * onnxruntime's telemetry (1.29+ on Linux): the runtime opts out before the first session opens,
 * unless the deployment set ORT_DISABLE_TELEMETRY itself. onnxruntime decides once per process, so
 * each case opens a model in a fresh Node process, with a home directory of its own; what the
 * telemetry leaves there (a device id and an offline event cache) shows whether it was on.
 * onnxruntime also stays quiet when it sees a CI system (CI, GITHUB_ACTIONS, JENKINS_URL, ... are
 * among its library's strings; CI=true alone turns it off, checked by hand), so the children run
 * without those markers: otherwise, on a CI machine, the default case would pass whatever the runtime
 * did and the opted-in case would fail.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMlp, writeMlflowModelDir } from '../../testkit/onnx-builder.js';
import { optOutOfOrtTelemetry } from '../src/session-host.js';

const loader = new URL('../src/model-loader.ts', import.meta.url).pathname;
let dir: string;
/** The variables by which onnxruntime's telemetry recognises a CI system or its own unit tests. */
const ciMarkers = [
  'CI',
  'TF_BUILD',
  'GITHUB_ACTIONS',
  'GITLAB_CI',
  'CIRCLECI',
  'TRAVIS',
  'JENKINS_URL',
  'CODEBUILD_BUILD_ID',
  'BUILDKITE',
  'TEAMCITY_VERSION',
  'APPVEYOR',
  'BITBUCKET_BUILD_NUMBER',
  'ORT_RUNNING_UNIT_TESTS',
];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ort-telemetry-'));
  await writeMlflowModelDir(join(dir, 'models', 'm'), buildMlp({ inputDim: 2, hidden: [4], seed: 3 }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Opens and scores with the model through the runtime in a new process; returns what onnxruntime left in its home. */
async function homeAfterOpening(name: string, setting: string | undefined): Promise<{ out: string; deviceId: boolean }> {
  const home = join(dir, name);
  await mkdir(home);
  // TMPDIR too: opted in, the telemetry also leaves a session file (.ses) in the temporary directory.
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, TMPDIR: home, MLSERVICE_INFERENCE_THREAD: 'main' };
  delete env.ORT_DISABLE_TELEMETRY;
  delete env.XDG_CACHE_HOME;
  for (const marker of ciMarkers) delete env[marker];
  if (setting !== undefined) env.ORT_DISABLE_TELEMETRY = setting;
  const code = `const { loadModel } = await import(${JSON.stringify(loader)}); const m = await loadModel({ name: 'm', source: 'x' }, ${JSON.stringify(join(dir, 'models'))}); const [row] = await m.run([{ features: [1, 2] }]); console.log(process.env.ORT_DISABLE_TELEMETRY, Object.keys(row)); await m.release();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env, cwd: join(loader, '..', '..', '..') });
  return { out: stdout, deviceId: existsSync(join(home, '.cache', 'Microsoft', 'DeveloperTools', '.onnxruntime', 'deviceid')) };
}

describe("onnxruntime's telemetry", () => {
  it('is off by default: nothing written to the home directory', async () => {
    expect(await homeAfterOpening('default', undefined)).toEqual({ out: "1 [ 'score' ]\n", deviceId: false });
  });

  it("stays as the deployment set it: ORT_DISABLE_TELEMETRY=0 keeps onnxruntime's default, which writes its device id", async () => {
    expect(await homeAfterOpening('opted-in', '0')).toEqual({ out: "0 [ 'score' ]\n", deviceId: true });
  });

  it('sets the variable only where it is unset', () => {
    const unset: NodeJS.ProcessEnv = {};
    optOutOfOrtTelemetry(unset);
    const set: NodeJS.ProcessEnv = { ORT_DISABLE_TELEMETRY: '0' };
    optOutOfOrtTelemetry(set);
    expect([unset, set]).toEqual([{ ORT_DISABLE_TELEMETRY: '1' }, { ORT_DISABLE_TELEMETRY: '0' }]);
  });
});
