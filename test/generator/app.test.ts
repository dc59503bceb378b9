import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import helpers from 'yeoman-test';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { mlgen, REPO } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const GENERATOR = path.join(REPO, 'generators/app/index.js');

describe('yo mlservice (yeoman-test, in-process)', () => {
  it('writes mlservice.yaml from flags, runs the sync core, and the project checks clean', async () => {
    const result = await helpers
      .run(GENERATOR)
      .withOptions({ name: 'fraud-scorer', model: 'models:/fraud/3', fields: 'account_id:string,amount:number,hour:integer', 'ab-model': 'models:/fraud@challenger', 'ab-weight': 25 } as never);
    const dir = result.cwd;
    const text = readFileSync(path.join(dir, 'mlservice.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./node_modules/generator-mlservice/schemas/mlservice.schema.json');
    const config = parse(text) as Record<string, any>;
    expect(config.service.name).toBe('fraud-scorer');
    expect(config.models).toEqual([
      { name: 'fraud', source: 'models:/fraud/3' },
      { name: 'fraud-treatment', source: 'models:/fraud@challenger' },
    ]);
    expect(config.endpoints[0].ab).toEqual({
      experiment: 'fraud-scorer-ab',
      unit: 'account_id',
      variants: [
        { name: 'control', model: 'fraud', weight: 75 },
        { name: 'treatment', model: 'fraud-treatment', weight: 25 },
      ],
    });
    expect(Object.keys(config.endpoints[0].input.properties)).toEqual(['account_id', 'amount', 'hour']);
    for (const f of ['openapi.yaml', 'src/hooks.ts', 'src/generated/service.ts', '.mlgen/manifest.json', 'chart/fraud-scorer/values.yaml']) {
      expect(existsSync(path.join(dir, f)), f).toBe(true);
    }
    expect(mlgen(dir, ['check']).code).toBe(0);
  });

  it('asks the prompts when no flags are given', async () => {
    const result = await helpers.run(GENERATOR).withAnswers({ name: 'churn', modelSource: 'models:/churn/7', fields: 'tenure:integer,spend:number', ab: false });
    const config = parse(readFileSync(path.join(result.cwd, 'mlservice.yaml'), 'utf8')) as Record<string, any>;
    expect(config.service.name).toBe('churn');
    expect(config.models).toEqual([{ name: 'churn', source: 'models:/churn/7' }]);
    expect(config.endpoints[0].model).toBe('churn');
    expect(config.endpoints[0].ab).toBeUndefined();
  });
});

/**
 * yo, run as root, switches to uid 1000 (default-uid; the gid stays 0) before loading its own
 * modules from this repo, so every directory above the repo must be traversable by group and
 * others (a clone inside `mktemp -d` is not). Adds g+x,o+x where missing and returns a function
 * that restores the original modes.
 */
function letOthersTraverse(dir: string): () => void {
  const changed: Array<[string, number]> = [];
  for (let d = dir; ; d = path.dirname(d)) {
    const mode = statSync(d).mode & 0o7777;
    if ((mode & 0o011) !== 0o011) {
      chmodSync(d, mode | 0o011);
      changed.push([d, mode]);
    }
    if (path.dirname(d) === d) break;
  }
  return () => changed.forEach(([d, mode]) => chmodSync(d, mode));
}

describe('yo mlservice (the real yo binary, child process)', () => {
  it('runs non-interactively as an unprivileged-style user with its own HOME', () => {
    const base = tempDir('mlgen-yo-');
    const home = path.join(base, 'home');
    const project = path.join(base, 'recsys');
    mkdirSync(home);
    mkdirSync(project);
    // yo finds generator-<name> packages in node_modules above the cwd; link this repo there.
    mkdirSync(path.join(base, 'node_modules'));
    symlinkSync(REPO, path.join(base, 'node_modules/generator-mlservice'));
    // yo drops root privileges to `nobody`: everything it touches must be writable for them.
    for (const d of [base, home, project]) chmodSync(d, 0o777);
    const yo = path.join(REPO, 'node_modules/.bin/yo');
    const restore = process.getuid?.() === 0 ? letOthersTraverse(REPO) : () => {};
    const r = spawnSync(yo, ['mlservice', '--name', 'recsys', '--model', 'models:/recsys/1', '--fields', 'user_id:string,age:number', '--yes', '--no-insight'], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, HOME: home, NO_COLOR: '1' },
      timeout: 120_000,
    });
    restore();
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const config = parse(readFileSync(path.join(project, 'mlservice.yaml'), 'utf8')) as Record<string, any>;
    expect(config.service.name).toBe('recsys');
    expect(existsSync(path.join(project, '.mlgen/manifest.json'))).toBe(true);
    expect(mlgen(project, ['check']).code).toBe(0);
  });
});
