import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODELS_CATALOGUE, MODELS_CODES } from '../../src/models/errors.js';

const SRC = join(import.meta.dirname, '..', '..', 'src', 'models');

describe('models error catalogue', () => {
  it('names every code once, by a short name equal to its suffix', () => {
    expect(Object.entries(MODELS_CODES).map(([k, v]) => `MODELS.${k}` === v)).not.toContain(false);
    expect(Object.values(MODELS_CODES).sort()).toEqual(Object.keys(MODELS_CATALOGUE).sort());
  });

  it('lists exactly the codes src/models uses, and every one is used', async () => {
    const used = new Set<string>();
    for (const f of await readdir(SRC)) {
      if (f === 'errors.ts') continue;
      const text = await readFile(join(SRC, f), 'utf8');
      for (const m of text.matchAll(/MODELS_CODES\.([A-Z_]+)|'(MODELS\.[A-Z_]+)'/g)) used.add(m[2] ?? `MODELS.${m[1]}`);
    }
    expect([...used].sort()).toEqual(Object.keys(MODELS_CATALOGUE).sort());
  });

  it('every code is asserted by a test in test/models', async () => {
    const dir = import.meta.dirname;
    const tests = (await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.test.ts') && f !== 'codes.test.ts').map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
    expect(Object.keys(MODELS_CATALOGUE).filter((c) => !tests.includes(`'${c}'`) && !tests.includes(` ${c} `))).toEqual([]);
  });
});
