/**
 * The summary as `mlgen diff` shows it: two revisions of a committed example's mlservice.yaml,
 * edited as text and loaded by the real config loader.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/index.js';
import { renderSummary, summarizeChanges } from '../../src/review/index.js';

const root = join(import.meta.dirname, '..', '..');

function edit(text: string, replacements: Array<[string, string]>): string {
  return replacements.reduce((t, [from, to]) => {
    expect(t.includes(from), `example still contains ${JSON.stringify(from)}`).toBe(true);
    return t.replace(from, to);
  }, text);
}

describe('summary of an edited example', () => {
  it('search-ranking: tighter request limits, a new required field, more replicas', async () => {
    const before = await readFile(join(root, 'examples/search-ranking/mlservice.yaml'), 'utf8');
    const after = edit(before, [
      ['maxItems: 100', 'maxItems: 50'],
      ['required: [query, device, language, documents]', 'required: [query, device, language, documents, market]'],
      ['        device: {type: string, enum: [desktop, mobile, app]}', '        device: {type: string, enum: [desktop, mobile, app, tv]}\n        market: {type: string}'],
      ['        language: pt-BR\n', '        language: pt-BR\n        market: br\n'],
      ['replicas: {min: 4, max: 20}', 'replicas: {min: 6, max: 20}'],
      ['maxBatchSize: 256', 'maxBatchSize: 128'],
    ]);
    const summary = summarizeChanges(parseConfigText(before, 'before.yaml'), parseConfigText(after, 'after.yaml'));
    expect(summary.labels).toEqual(['api-breaking', 'deploy-impacting']);
    await expect(renderSummary(summary, 'markdown')).toMatchFileSnapshot('./__snapshots__/search-ranking-change.md');
    expect(renderSummary(summary, 'text')).toBe(
      [
        'Changes to search-ranking',
        'labels: api-breaking, deploy-impacting',
        '',
        'Batching',
        '  endpoint rerank: batching maxBatchSize 256 -> 128',
        '',
        'Deploy',
        '  deploy.kubernetes.replicas.min 4 -> 6',
        '',
        'API (openapi.yaml)',
        '  BREAKING POST /v2/search/rerank request: "documents" maxItems 100 -> 50',
        '  BREAKING POST /v2/search/rerank request: new required field "market"',
        '  NON-BREAKING POST /v2/search/rerank request: "device" enum widened: added "tv"',
        '',
      ].join('\n'),
    );
  });
});
