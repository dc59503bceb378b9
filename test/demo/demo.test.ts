import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/cli.js';

describe('npm run demo (the README quickstart), non-interactive', () => {
  it('pulls, builds and serves the recommender, prints sticky variants, /metadata and the docs URL, then stops', () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'node_modules/tsx/dist/cli.mjs'), 'scripts/demo.ts'], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 240_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toContain('ranker-control: models:/activity-ranker/12 -> version 12');
    expect(out).toContain('ranker-treatment: models:/activity-ranker@challenger -> version 13');
    const rows = [...out.matchAll(/^ {2}(u-\d+)\s+variant (\w+)\s+scores ((?:\d\.\d{4} ?){5})\s+best (\d+)$/gm)];
    expect(rows.map((m) => m[1])).toEqual(['u-1842', 'u-77', 'u-9', 'u-314', 'u-42', 'u-1001', 'u-1842']);
    // Sticky: the same user gets the same variant and the same scores both times.
    expect(rows[6]![2]).toBe(rows[0]![2]);
    expect(rows[6]![3]).toBe(rows[0]![3]);
    expect(new Set(rows.map((m) => m[2]))).toEqual(new Set(['control', 'treatment']));
    expect(out).toContain('/metadata: ranker-control v12 (run a1b2c3d4), ranker-treatment v13 (run f0e1d2c3)');
    expect(out).toMatch(/^docs: http:\/\/127\.0\.0\.1:\d+\/docs {3}openapi: /m);
  });
});
