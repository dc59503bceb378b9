/**
 * The life of a hand edit kept with `mlgen sync --merge`, as a team lives it: the built CLI, a real
 * generated project, real git commits and a fresh clone. The edit lowers the HPA CPU target in the
 * chart's values; config changes then move other lines of that file, and finally the same line.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mlgen, tempProject, treeHashes } from '../support/cli.js';

const VALUES = 'chart/demo-svc/values.yaml';
const MINE = '  targetCPUUtilizationPercentage: 60';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd: dir, encoding: 'utf8' });
}

function edit(dir: string, file: string, from: string, to: string): void {
  const text = readFileSync(path.join(dir, file), 'utf8');
  expect(text.includes(from), `${file} contains ${JSON.stringify(from)}`).toBe(true);
  writeFileSync(path.join(dir, file), text.replace(from, to));
}

const read = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');
const valuesLocal = (dir: string) => JSON.parse(read(dir, '.mlgen/manifest.json')).files[VALUES].local;

describe('a hand edit kept with mlgen sync --merge (built CLI, real git)', () => {
  // About 25 CLI runs in sequence: minutes on a loaded 2-core machine, so a generous cap (not a timing assertion).
  it('merge -> check green -> re-applied on config changes (also in a fresh clone) -> a real conflict refuses -> removed, plain again', { timeout: 600_000 }, () => {
    const dir = tempProject();
    dirs.push(dir);
    expect(mlgen(dir, ['init', '--name', 'demo-svc', '--model', 'models:/demo/1']).code).toBe(0);
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'service');

    // 1. The edit, then a config change: a plain sync refuses, --merge keeps both.
    edit(dir, VALUES, '  targetCPUUtilizationPercentage: 70', MINE);
    // Diagnostics point at the kept edit's line (the chart's values may gain lines above it).
    const line = read(dir, VALUES).split('\n').indexOf(MINE) + 1;
    const at = `${VALUES}:${line}:1`;
    edit(dir, 'mlservice.yaml', '      max: 10', '      max: 12');
    expect(mlgen(dir, ['sync']).code).toBe(2);
    const merged = mlgen(dir, ['sync', '--merge']);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toContain(`${at} warning SYNC.MERGED merged your edit with mlgen's new output`);
    expect(read(dir, VALUES)).toContain(`${MINE}\n`);
    expect(read(dir, VALUES)).toContain('  max: 12\n');

    // 2. Green from now on while the file stays exactly so; the reviewer sees the kept edit.
    expect(mlgen(dir, ['check'])).toEqual({
      code: 0,
      stdout: 'Everything is in sync.\ncheck: in sync (1 generated file keeps a local change; `mlgen diff` shows it)\n',
      stderr: '',
    });
    const md = mlgen(dir, ['diff', '--format', 'markdown']);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('Labels: `deploy-impacting`');
    expect(md.stdout.slice(md.stdout.indexOf('#### Local'))).toBe(
      [
        '#### Local changes kept in generated files (mlgen sync --merge)',
        '',
        `- ${VALUES}: new in this change (+1 -1)`,
        '',
        '  ```diff',
        `  --- a/${VALUES}`,
        `  +++ b/${VALUES}`,
        // Three lines of context before the edit.
        `  @@ -${line - 3},7 +${line - 3},7 @@`,
        '   # HorizontalPodAutoscaler (autoscaling/v2) on average CPU, stable track only.',
        '   autoscaling:',
        '     enabled: true',
        '  -  targetCPUUtilizationPercentage: 70',
        `  +${MINE}`,
        '   ',
        '   # Container requests and limits (from deploy.kubernetes.resources).',
        '   resources:',
        '  ```',
        '',
      ].join('\n'),
    );
    git(dir, 'commit', '-qam', 'max 12 replicas; keep a 60% CPU target');
    const kept = JSON.parse(mlgen(dir, ['diff', '--format', 'json']).stdout) as { localChanges: Array<{ path: string; status: string }> };
    expect(kept.localChanges.map((l) => [l.path, l.status])).toEqual([[VALUES, 'kept']]);

    // 3. A config change elsewhere in the file: drift for check, a plain sync re-applies the edit.
    edit(dir, 'mlservice.yaml', '      min: 2', '      min: 3');
    expect(mlgen(dir, ['check']).code).toBe(1);
    const reapplied = mlgen(dir, ['sync']);
    expect(reapplied.code).toBe(0);
    expect(reapplied.stdout).toContain(`${at} warning SYNC.LOCAL_REAPPLIED re-applied your kept local change onto mlgen's new output (three-way merge, base from .mlgen/cache/`);
    expect(read(dir, VALUES)).toContain(`  min: 3\n  max: 12\n`);
    expect(read(dir, VALUES)).toContain(`${MINE}\n`);
    expect(mlgen(dir, ['check']).code).toBe(0);
    git(dir, 'commit', '-qam', 'min 3 replicas');

    // 4. A fresh clone has no .mlgen/cache and git never held mlgen's pure output: still re-applied.
    const clone = `${dir}-clone`;
    dirs.push(clone);
    execFileSync('git', ['clone', '-q', dir, clone]);
    edit(clone, 'mlservice.yaml', '      min: 3', '      min: 4');
    const cloned = mlgen(clone, ['sync']);
    expect(cloned.code).toBe(0);
    expect(cloned.stdout).toContain('(three-way merge, base from the local change recorded in .mlgen/manifest.json)');
    expect(read(clone, VALUES)).toContain(`  min: 4\n  max: 12\n`);
    expect(read(clone, VALUES)).toContain(`${MINE}\n`);
    expect(mlgen(clone, ['check']).code).toBe(0);

    // 5. The config changes the very line of the edit: refused, exit 2, nothing written.
    edit(dir, 'mlservice.yaml', '      max: 12', '      max: 12\n    targetCpuUtilization: 80');
    const before = treeHashes(dir);
    const refused = mlgen(dir, ['sync']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain(
      `${at} error SYNC.LOCAL_CONFLICT your kept local change and mlgen's new output change the same lines; nothing was written\n` +
        '  fix: `mlgen sync --merge` writes the file with conflict markers: resolve them, then run `mlgen sync --merge` again to record the result; ' +
        `or \`mlgen sync --force\` drops your change (your copy goes to .mlgen/backup/${VALUES})`,
    );
    expect(refused.stdout.trim().split('\n').at(-1)).toBe('sync refused: nothing was written; see the remedies above');
    expect(treeHashes(dir)).toEqual(before);
    expect(mlgen(dir, ['check']).code).toBe(2);

    // 6. The team drops the edit instead: the file is plain generated again after one sync.
    git(dir, 'checkout', '--', 'mlservice.yaml');
    edit(dir, VALUES, MINE, '  targetCPUUtilizationPercentage: 70');
    expect(mlgen(dir, ['check']).code).toBe(1);
    expect(mlgen(dir, ['sync']).code).toBe(0);
    expect(valuesLocal(dir)).toBeUndefined();
    expect(mlgen(dir, ['check'])).toEqual({ code: 0, stdout: 'Everything is in sync.\ncheck: in sync\n', stderr: '' });
    const dropped = JSON.parse(mlgen(dir, ['diff', '--format', 'json']).stdout) as { localChanges: Array<{ path: string; status: string }> };
    expect(dropped.localChanges.map((l) => [l.path, l.status])).toEqual([[VALUES, 'removed']]);
    edit(dir, 'mlservice.yaml', '      max: 12', '      max: 12\n    targetCpuUtilization: 80');
    const plain = mlgen(dir, ['sync']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('warning');
    expect(read(dir, VALUES)).toContain('  targetCPUUtilizationPercentage: 80\n');
  });
});
