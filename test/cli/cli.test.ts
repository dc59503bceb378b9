import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mlgen, REPO, tempProject, treeHashes, treeMtimes } from '../support/cli.js';

const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };

function initProject(extra: string[] = []): string {
  const dir = tempProject();
  const r = mlgen(dir, ['init', '--name', 'demo-svc', '--model', 'models:/demo/1', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return dir;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd: dir, encoding: 'utf8' });
}

describe('mlgen CLI (built bin/mlgen.js, child process)', () => {
  it('prints its version and the command list', () => {
    const dir = tempProject();
    expect(mlgen(dir, ['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const help = mlgen(dir, ['--help']);
    expect(help.code).toBe(0);
    const commands = [...help.stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]);
    expect(commands).toEqual(['init', 'validate', 'sync', 'check', 'diff', 'models', 'spinnaker', 'schema', 'help']);
  });

  it('init writes mlservice.yaml and every output; a second sync writes nothing; check passes', () => {
    const dir = initProject();
    const config = readFileSync(path.join(dir, 'mlservice.yaml'), 'utf8');
    expect(config.split('\n')[0]).toBe('# yaml-language-server: $schema=./node_modules/generator-mlservice/schemas/mlservice.schema.json');
    const before = treeHashes(dir);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['openapi.yaml', 'Dockerfile', 'src/hooks.ts', 'src/generated/service.ts', '.mlgen/manifest.json', 'chart/demo-svc/Chart.yaml']));
    const mtimes = treeMtimes(dir);
    const again = mlgen(dir, ['sync']);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n').slice(0, 2)).toEqual(['Everything is in sync.', 'sync: 0 written, 0 deleted']);
    expect(treeHashes(dir)).toEqual(before);
    expect(treeMtimes(dir)).toEqual(mtimes);
    expect(mlgen(dir, ['check'])).toEqual({ code: 0, stdout: 'Everything is in sync.\ncheck: in sync\n', stderr: '' });
  });

  it("init takes `yo mlservice`'s --yes and writes the same config (it never asks)", () => {
    const read = (dir: string) => readFileSync(path.join(dir, 'mlservice.yaml'), 'utf8');
    expect(read(initProject(['--yes']))).toBe(read(initProject()));
  });

  it('refuses init over an existing mlservice.yaml and writes nothing', () => {
    const dir = initProject();
    const before = treeHashes(dir);
    const r = mlgen(dir, ['init', '--name', 'other']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('mlservice.yaml error CLI.CONFIG_EXISTS already exists; nothing written\n  fix: edit it and run `mlgen sync`, or init into an empty directory\n1 error\n');
    expect(treeHashes(dir)).toEqual(before);
  });

  it('reports an invalid config with file:line:col, code and fix, exit 65, and writes nothing', () => {
    const dir = initProject();
    const file = path.join(dir, 'mlservice.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    replicas:', '    replica:'));
    const before = treeHashes(dir);
    const line = readFileSync(file, 'utf8').split('\n').indexOf('    replica:') + 1;
    for (const cmd of ['validate', 'sync', 'check']) {
      const r = mlgen(dir, [cmd]);
      expect(r.code).toBe(65);
      expect(r.stderr).toBe(`mlservice.yaml:${line}:5 error CONFIG.UNKNOWN_KEY unknown key "replica" in deploy.kubernetes\n  fix: did you mean "replicas"?\n1 error\n`);
    }
    expect(treeHashes(dir)).toEqual(before);
  });

  it('check: exit 1 on drift, 2 on a hand edit; sync refuses the hand edit and writes nothing', () => {
    const dir = initProject();
    const file = path.join(dir, 'mlservice.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('maxBatchSize: 32', 'maxBatchSize: 64'));
    const drift = mlgen(dir, ['check']);
    expect(drift.code).toBe(1);
    expect(drift.stdout.trim().split('\n').at(-1)).toBe('check: drift; fix: run `mlgen sync` and commit the result');
    appendFileSync(path.join(dir, 'src/generated/service.ts'), '// my tweak\n');
    expect(mlgen(dir, ['check']).code).toBe(2);
    const before = treeHashes(dir);
    const refused = mlgen(dir, ['sync']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain('CONFLICT  src/generated/service.ts');
    expect(refused.stdout.trim().split('\n').at(-1)).toBe('sync refused: nothing was written; see the remedies above');
    expect(treeHashes(dir)).toEqual(before);
    const forced = mlgen(dir, ['sync', '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(path.join(dir, '.mlgen/backup/src/generated/service.ts'), 'utf8').endsWith('// my tweak\n')).toBe(true);
    expect(mlgen(dir, ['check']).code).toBe(0);
  });

  it('sync --dry-run --json reports the plan without writing', () => {
    const dir = initProject();
    const file = path.join(dir, 'mlservice.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('maxBatchSize: 32', 'maxBatchSize: 64'));
    const before = treeHashes(dir);
    const r = mlgen(dir, ['sync', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { entries: Array<{ path: string; action: string }>; written: string[] };
    expect(plan.written).toEqual([]);
    const changed = plan.entries.filter((e) => e.action !== 'unchanged' && e.action !== 'scaffold-skip').map((e) => e.path);
    expect(changed).toContain('src/generated/service.ts');
    expect(changed.at(-1)).toBe('.mlgen/manifest.json');
    expect(treeHashes(dir)).toEqual(before);
  });

  it('diff summarizes A/B weight and API changes against a git revision', () => {
    const dir = initProject(['--fields', 'user_id:string,age:number', '--ab-model', 'models:/demo/2']);
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'init');
    const file = path.join(dir, 'mlservice.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('weight: 90', 'weight: 80').replace('weight: 10', 'weight: 20'));
    const r = mlgen(dir, ['diff', '--format', 'json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { items: Array<{ section: string; message: string }>; labels: string[] };
    expect(summary.items.map((i) => i.section)).toEqual(['ab']);
    expect(summary.items[0]!.message).toContain('90 -> 80');
    expect(summary.items[0]!.message).toContain('10 -> 20');
  });

  it('never colours when NO_COLOR is set or stdout is not a TTY', () => {
    const dir = initProject();
    appendFileSync(path.join(dir, 'src/generated/service.ts'), '// x\n');
    for (const env of [{}, { NO_COLOR: '1' }]) {
      const r = mlgen(dir, ['check'], env);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: an ANSI escape is what must not appear
      expect(r.stdout + r.stderr).not.toMatch(/\x1b\[/);
    }
  });

  it('schema prints the JSON Schema of mlservice.yaml', () => {
    const r = mlgen(tempProject(), ['schema']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(path.join(REPO, 'schemas/mlservice.schema.json'), 'utf8')));
  });
});
