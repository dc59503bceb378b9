import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mlgen, REPO } from '../support/cli.js';

const examples = readdirSync(path.join(REPO, 'examples')).sort();

describe('committed examples are current (graphql-codegen style: regenerate and demand no drift)', () => {
  it('has the three documented examples', () => {
    expect(examples).toEqual(['minimal', 'recommender', 'search-ranking']);
  });

  it.each(examples)('examples/%s: `mlgen check` finds no drift', (name) => {
    const r = mlgen(REPO, ['check', '--diff', '-C', path.join('examples', name)]);
    // On failure the message shows the drift and the command that fixes it.
    expect(r.code, `${r.stdout}${r.stderr}\nfix: run \`npm run examples:sync\` and commit the result`).toBe(0);
  });
});
