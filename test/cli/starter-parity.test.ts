/**
 * `yo mlservice` and `mlgen init` are two front-ends over one starter: the same answers (flags,
 * or none) in a folder of the same name give the same mlservice.yaml byte for byte, and a bad
 * answer is refused by both with the same diagnostic, before anything is written.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import helpers from 'yeoman-test';
import { describe, expect, it } from 'vitest';
import { mlgen, REPO } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const GENERATOR = path.join(REPO, 'generators/app/index.js');
const base = tempDir('mlgen-starter-');

type Flags = Record<string, string>;

let runs = 0;
/** A fresh folder named `name` (each run gets its own parent). */
function folder(name: string): string {
  const dir = path.join(base, String(runs++), name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function init(name: string, flags: Flags) {
  const dir = folder(name);
  const r = mlgen(dir, ['init', ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v])]);
  return { dir, code: r.code, errors: r.stderr };
}

async function yo(name: string, flags: Flags) {
  const dir = folder(name);
  const options = { ...Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, k === 'ab-weight' ? Number(v) : v])), yes: true };
  let errors = '';
  try {
    await helpers
      .run(GENERATOR)
      .inDir(dir)
      .withOptions(options as never);
  } catch (e) {
    errors = (e as Error).message;
  } finally {
    process.chdir(REPO);
  }
  return { dir, errors };
}

const configOf = (dir: string) => readFileSync(path.join(dir, 'mlservice.yaml'), 'utf8');

describe('yo mlservice and mlgen init share one starter', () => {
  it.each([
    ['no flags, in a folder whose name is not a DNS label', 'Churn Model_2', {}],
    ['no flags, in a folder named like a service', 'churn', {}],
    ['an A/B split with a weight', 'fraud', { name: 'fraud-scorer', model: 'models:/fraud/3', fields: 'account_id:string,amount:number', 'ab-model': 'models:/fraud@challenger', 'ab-weight': '25' }],
  ] as const)('%s: the same mlservice.yaml', async (_label, folderName, flags) => {
    const a = init(folderName, flags);
    const b = await yo(folderName, flags);
    expect(a.code, a.errors).toBe(0);
    expect(b.errors).toBe('');
    expect(configOf(a.dir)).toBe(configOf(b.dir));
  });

  it.each([
    ['a service name that is not a DNS label', { name: 'Fraud_Scorer' }, 65, 'mlservice.yaml:6:9 error CONFIG.PATTERN service.name has an invalid value "Fraud_Scorer"'],
    ['a field list that is not name:type', { fields: 'user id:string' }, 64, 'mlservice.yaml error CLI.INVALID_ANSWER --fields: invalid field "user id:string"'],
    ['an unknown field type', { fields: 'user_id:uuid' }, 64, 'mlservice.yaml error CLI.INVALID_ANSWER --fields: invalid field type "uuid" in "user_id:uuid"'],
    [
      'an A/B split without a field to keep users sticky',
      { fields: 'age:number', 'ab-model': 'models:/m/2' },
      64,
      'mlservice.yaml error CLI.INVALID_ANSWER --ab-unit: an A/B split needs a string or integer input field',
    ],
    ['an A/B weight over 100', { 'ab-model': 'models:/m/2', 'ab-weight': '120' }, 65, 'error CONFIG.RANGE endpoints[0].ab.variants[1].weight must be at most 100, got 120'],
  ] as const)('%s: refused by both with the same error, nothing written', async (_label, flags, code, error) => {
    const a = init('svc', flags);
    const b = await yo('svc', flags);
    expect(a.code, a.errors).toBe(code);
    expect(a.errors).toContain(error);
    // The very same diagnostics: init prints them and a count, yo shows the error they make.
    expect(a.errors.slice(0, b.errors.length)).toBe(b.errors);
    expect(a.errors.slice(b.errors.length)).toMatch(/^\n\d+ errors?\n$/);
    expect(readdirSync(a.dir)).toEqual([]);
    expect(existsSync(path.join(b.dir, 'mlservice.yaml'))).toBe(false);
  });
});
