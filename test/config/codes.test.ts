/**
 * The error catalogues, docs/errors.md and the code are kept in step both ways (the way fastify's
 * test/internals/errors.test.js guards docs/Reference/Errors.md).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_CATALOGUE } from '../../src/cli/codes.js';
import { CONFIG_CODES } from '../../src/config/codes.js';
import { MODELS_CATALOGUE } from '../../src/models/errors.js';
import { SYNC_CATALOGUE } from '../../src/sync/codes.js';
import { REVIEW_CATALOGUE } from '../../src/review/git-base.js';
import { SIGNATURE_CATALOGUE } from '../../src/models/signature-check.js';
import { MODEL_CATALOGUE } from '../../runtime/src/model-codes.js';
import { SPINNAKER_CATALOGUE } from '../../src/spinnaker/codes.js';
import { PROBLEM_CATALOGUE } from '../../runtime/src/problem-codes.js';

/** Every catalogue whose codes appear in docs/errors.md; add a new area's catalogue here. */
const CATALOGUES: Record<string, Record<string, string>> = {
  CONFIG: CONFIG_CODES,
  MODELS: MODELS_CATALOGUE,
  SYNC: SYNC_CATALOGUE,
  CLI: CLI_CATALOGUE,
  REVIEW: REVIEW_CATALOGUE,
  SIGNATURE: SIGNATURE_CATALOGUE,
  MODEL: MODEL_CATALOGUE,
  SPINNAKER: SPINNAKER_CATALOGUE,
  PROBLEM: PROBLEM_CATALOGUE,
};
const CATALOGUE: Record<string, string> = Object.assign({}, ...Object.values(CATALOGUES));
const CODE_LITERAL = new RegExp(`['"\`]((?:${Object.keys(CATALOGUES).join('|')})\\.[A-Z][A-Z_]*)['"\`]`, 'g');

function files(dir: string, ext: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext))
    .map((f) => join(dir, f));
}

function docRows(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync('docs/errors.md', 'utf8').split('\n')) {
    const m = /^\| `([A-Z]+\.[A-Z_]+)` \| (.+?) \| (.+?) \|$/.exec(line);
    if (m) {
      expect(rows.has(m[1]!), `${m[1]} is listed twice in docs/errors.md`).toBe(false);
      rows.set(m[1]!, m[2]!);
    }
  }
  return rows;
}

describe('error code catalogue', () => {
  it('docs/errors.md lists every catalogued code with its catalogue text, and nothing else', () => {
    const rows = docRows();
    expect([...rows.keys()].sort()).toEqual(Object.keys(CATALOGUE).sort());
    for (const [code, meaning] of rows) expect([code, meaning]).toEqual([code, CATALOGUE[code]]);
  });

  it('every code used in src/ and runtime/src/ is catalogued', () => {
    const used = new Set<string>();
    for (const f of [...files('src', '.ts'), ...files('runtime/src', '.ts')]) for (const m of readFileSync(f, 'utf8').matchAll(CODE_LITERAL)) used.add(m[1]!);
    const missing = [...used].filter((c) => !(c in CATALOGUE));
    expect(missing, 'add these codes to their catalogue and to docs/errors.md').toEqual([]);
  });

  it('every CLI code is asserted by a test of the built CLI in test/cli', () => {
    const tests = files('test/cli', '.test.ts')
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expect(Object.keys(CLI_CATALOGUE).filter((c) => !tests.includes(` ${c} `))).toEqual([]);
  });

  it('every MODEL code is thrown by the runtime', () => {
    const src = files('runtime/src', '.ts')
      .filter((f) => !f.endsWith('model-codes.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    // Whatever the line breaks (the formatter puts long argument lists on their own lines).
    const thrown = new Set([...src.matchAll(/new ModelLoadError\(\s*'([A-Z_.]+)'/g)].map((m) => m[1]));
    expect(Object.keys(MODEL_CATALOGUE).filter((c) => !thrown.has(c))).toEqual([]);
  });

  it('every PROBLEM code is answered by the runtime', () => {
    const src = files('runtime/src', '.ts')
      .filter((f) => !f.endsWith('problem-codes.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expect(Object.keys(PROBLEM_CATALOGUE).filter((c) => !src.includes(`'${c}'`))).toEqual([]);
  });

  it('every CONFIG code is reported somewhere in src/config and asserted in test/config', () => {
    const src = files('src/config', '.ts')
      .filter((f) => !f.endsWith('codes.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const tests = files('test/config', '.test.ts')
      .filter((f) => !f.endsWith('codes.test.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = Object.keys(CONFIG_CODES).filter((c) => !src.includes(`'${c}'`));
    const untested = Object.keys(CONFIG_CODES).filter((c) => !tests.includes(`error ${c} `) && !tests.includes(`${c} `));
    expect(unused, 'catalogued but never reported').toEqual([]);
    expect(untested, 'no test asserts a message with this code').toEqual([]);
  });
});
