/**
 * `mlgen spinnaker install` as CI runs it: the built CLI in a project made by `mlgen init`, against
 * the gate/front50/Kayenta stand-in (a contract test; no Spinnaker runs here). The child runs
 * asynchronously, so the stand-in in this process can answer it.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { MLGEN, mlgen, tempProject, treeHashes } from '../support/cli.js';
import { startSpinnakerStub, type Stub } from '../support/spinnaker-stub.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function mlgenAsync(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MLGEN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', SPINNAKER_GATE_URL: '', SPINNAKER_GATE_TOKEN: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const stubs: Stub[] = [];
afterEach(async () => Promise.all(stubs.splice(0).map((s) => s.close())));

function project(): string {
  const dir = tempProject();
  const r = mlgen(dir, ['init', '--name', 'demo-svc', '--model', 'models:/demo/1']);
  expect(r.code).toBe(0);
  return dir;
}

describe('mlgen spinnaker install (built CLI) against the Spinnaker contract stand-in', () => {
  it('without a gate URL exits 64 with SPINNAKER.NO_GATE and the fix', async () => {
    const r = await mlgenAsync(project(), ['spinnaker', 'install']);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe(
      'mlgen spinnaker install error SPINNAKER.NO_GATE no Spinnaker gate URL\n' +
        '  fix: pass --gate https://gate.example.com or set SPINNAKER_GATE_URL (in CI: the repository secret of that name)\n1 error\n',
    );
  });

  it('saves the canary config and both pipelines, then reports them unchanged; the project is not touched', async () => {
    const s = await startSpinnakerStub({ token: 't0ken' });
    stubs.push(s);
    const dir = project();
    const before = treeHashes(dir);
    const env = { SPINNAKER_GATE_URL: s.url, SPINNAKER_GATE_TOKEN: 't0ken' };
    const dry = await mlgenAsync(dir, ['spinnaker', 'install', '--dry-run'], env);
    expect([dry.code, dry.stdout]).toEqual([0, 'canary config demo-svc-canary: would create\npipeline demosvc/demo-svc-deploy: would create\npipeline demosvc/demo-svc-rollback: would create\n']);
    expect(s.pipelines.size + s.canaryConfigs.size).toBe(0);
    const first = await mlgenAsync(dir, ['spinnaker', 'install'], env);
    expect([first.code, first.stderr, first.stdout]).toEqual([
      0,
      '',
      'canary config demo-svc-canary: created\npipeline demosvc/demo-svc-deploy: created\npipeline demosvc/demo-svc-rollback: created\n',
    ]);
    const again = await mlgenAsync(dir, ['--dir', '.', 'spinnaker', 'install', '--gate', s.url], { SPINNAKER_GATE_TOKEN: 't0ken' });
    expect(again.stdout).toBe('canary config demo-svc-canary: unchanged\npipeline demosvc/demo-svc-deploy: unchanged\npipeline demosvc/demo-svc-rollback: unchanged\n');
    expect(treeHashes(dir)).toEqual(before);
  });

  it('a wrong token exits 69 with SPINNAKER.AUTH, and never prints the token', async () => {
    const s = await startSpinnakerStub({ token: 'right' });
    stubs.push(s);
    const r = await mlgenAsync(project(), ['spinnaker', 'install'], { SPINNAKER_GATE_URL: s.url, SPINNAKER_GATE_TOKEN: 'wrong-token' });
    expect(r.code).toBe(69);
    expect(r.stderr.split('\n')[0]).toBe(`${s.url}/v2/canaryConfig/demo-svc-canary error SPINNAKER.AUTH ${s.url}/v2/canaryConfig/demo-svc-canary answered 401`);
    expect(r.stderr).not.toContain('wrong-token');
  });
});
