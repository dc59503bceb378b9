/** The SYNC catalogue is exactly the set of codes the engine reports, and each is asserted in test/sync. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYNC_CATALOGUE, SYNC_CODES } from '../../src/sync/codes.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

async function sources(dir: string): Promise<string[]> {
  const names = (await readdir(dir, { recursive: true, encoding: 'utf8' })).filter((f) => f.endsWith('.ts') && f !== join('sync', 'codes.ts'));
  return Promise.all(names.map((f) => readFile(join(dir, f), 'utf8')));
}

describe('sync error catalogue', () => {
  it('names every code once, by a short name equal to its suffix', () => {
    expect(Object.entries(SYNC_CODES).filter(([k, v]) => `SYNC.${k}` !== v)).toEqual([]);
    expect(Object.values(SYNC_CODES).sort()).toEqual(Object.keys(SYNC_CATALOGUE).sort());
  });

  it('lists exactly the codes src/ reports, and every one is reported', async () => {
    const used = new Set<string>();
    for (const text of await sources(SRC)) {
      for (const m of text.matchAll(/SYNC_CODES\.([A-Z_]+)|'(SYNC\.[A-Z_]+)'/g)) used.add(m[2] ?? `SYNC.${m[1]}`);
    }
    expect([...used].sort()).toEqual(Object.keys(SYNC_CATALOGUE).sort());
  });

  it('every code is asserted by a test in test/sync', async () => {
    const dir = import.meta.dirname;
    const names = (await readdir(dir)).filter((f) => f.endsWith('.test.ts') && f !== 'codes.test.ts');
    const tests = (await Promise.all(names.map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
    expect(Object.keys(SYNC_CATALOGUE).filter((c) => !tests.includes(`'${c}'`) && !tests.includes(` ${c} `))).toEqual([]);
  });
});
