/**
 * What a generated project holds, measured on the committed examples by the script behind
 * `npm run measure:generated`: no generated file of 20 lines or more is the same in every example
 * (fixed code belongs in @mlservice/runtime or the generator's bin, not in each repository; chart
 * templates excepted, Helm users expect them in the chart), and every file the manifest lists is
 * counted under exactly one owner.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { identicalAcross, measureExample, measureExamples } from '../../scripts/measure-generated.mjs';
import { REPO } from '../support/cli.js';

type Measured = { lines: Record<string, number>; files: Array<{ path: string; category: string; lines: number; sha256: string }> };

describe('generated volume of the committed examples', () => {
  it('no generated file of 20+ lines is identical in every example, chart templates excepted', () => {
    expect(measureExamples(path.join(REPO, 'examples')).identical).toEqual([]);
  });

  it('finds such a file when there is one (the check is real)', () => {
    const a = measureExample(path.join(REPO, 'examples/minimal')) as Measured;
    const b = measureExample(path.join(REPO, 'examples/recommender')) as Measured;
    const fixed = { path: 'src/generated/fixed.ts', category: 'generated', lines: 24, sha256: 'f'.repeat(64) };
    const template = { path: 'chart/x/templates/deployment.yaml', category: 'chartTemplates', lines: 134, sha256: 'e'.repeat(64) };
    a.files.push(fixed, template);
    b.files.push({ ...fixed }, { ...template });
    expect(identicalAcross({ minimal: a, recommender: b })).toEqual([{ lines: 24, paths: ['src/generated/fixed.ts'] }]);
  });

  it.each(['minimal', 'recommender', 'search-ranking'])('examples/%s: every manifest file and mlservice.yaml counted once, by owner', (name) => {
    const dir = path.join(REPO, 'examples', name);
    const measured = measureExample(dir) as Measured;
    const manifest = JSON.parse(readFileSync(path.join(dir, '.mlgen/manifest.json'), 'utf8')) as { files: Record<string, { owner: string }> };
    expect(measured.files.map((f) => f.path).sort()).toEqual([...Object.keys(manifest.files), '.mlgen/manifest.json', 'mlservice.yaml'].sort());
    const sum = (cat: string) => measured.files.filter((f) => f.category === cat).reduce((n, f) => n + f.lines, 0);
    for (const cat of ['generated', 'chartTemplates', 'shared', 'user', 'manifest']) expect(measured.lines[cat]).toBe(sum(cat));
    expect(
      measured.files
        .filter((f) => f.category === 'user')
        .map((f) => f.path)
        .sort(),
    ).toEqual(['mlservice.yaml', 'src/hooks.ts']);
  });
});
