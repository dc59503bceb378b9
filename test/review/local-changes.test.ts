/**
 * Local changes kept in generated files, as the change summary shows them: status against the base
 * manifest, the label rule, and the three renderings. The markdown goes to a pull request's job
 * summary (GitHub renders it as CommonMark + GFM), so it is parsed with commonmark.js, the spec's
 * reference implementation: each patch must come out as one `diff` code block inside its list item,
 * byte for byte, whatever the patch holds.
 * @see https://spec.commonmark.org/0.31.2/#fenced-code-blocks
 */
import { Parser, type Node } from 'commonmark';
import { describe, expect, it } from 'vitest';
import { localChanges, renderSummary, summarizeChanges } from '../../src/review/index.js';
import type { ManifestEntry } from '../../src/sync/manifest.js';
import { localRecord } from '../../src/sync/local-change.js';
import { abModel } from '../../testkit/fixtures.js';

const OUT = 'a: 1\nb: 2\nc: 3\n';

function entry(local?: string, path = 'chart/x/values.yaml'): ManifestEntry {
  const e: ManifestEntry = { owner: 'generated', emitter: 'helm', inputs: [], sha256: 'f'.repeat(64) };
  if (local !== undefined) e.local = localRecord(path, OUT, local)!;
  return e;
}

describe('localChanges', () => {
  it('tells added, changed, kept and removed apart, in path order', () => {
    const now = {
      'chart/x/values.yaml': entry('a: 1\nb: 20\nc: 3\n'),
      Dockerfile: entry('a: 1\nb: 2\nc: 3\nd: 4\n', 'Dockerfile'),
      'openapi.yaml': entry('a: 0\nb: 2\nc: 3\n', 'openapi.yaml'),
      'src/generated/service.ts': entry(),
    };
    const before = {
      'chart/x/values.yaml': entry('a: 1\nb: 22\nc: 3\n'),
      Dockerfile: entry('a: 1\nb: 2\nc: 3\nd: 4\n', 'Dockerfile'),
      'src/generated/service.ts': entry('a: 1\n', 'src/generated/service.ts'),
    };
    expect(localChanges(now, before).map((l) => [l.path, l.status, l.added, l.removed, l.patch.length > 0])).toEqual([
      ['Dockerfile', 'kept', 1, 0, true],
      ['chart/x/values.yaml', 'changed', 1, 1, true],
      ['openapi.yaml', 'added', 1, 1, true],
      ['src/generated/service.ts', 'removed', 0, 2, false],
    ]);
    expect(localChanges(undefined, undefined)).toEqual([]);
  });
});

describe('local changes in the summary', () => {
  const values = localChanges({ 'chart/x/values.yaml': entry('a: 1\nb: 20\nc: 3\n') }, {});

  it('a new or altered edit of a deploy file is deploy-impacting; a kept one or a service file is not', () => {
    expect(summarizeChanges(abModel(), abModel(), values).labels).toEqual(['deploy-impacting']);
    const kept = values.map((l) => ({ ...l, status: 'kept' as const }));
    expect(summarizeChanges(abModel(), abModel(), kept).labels).toEqual([]);
    const service = localChanges({ 'src/generated/service.ts': entry('x\n', 'src/generated/service.ts') }, {});
    expect(summarizeChanges(abModel(), abModel(), service).labels).toEqual([]);
  });

  it('renders text: the headline counts it, the patch is indented under its file', () => {
    expect(renderSummary(summarizeChanges(abModel(), abModel(), values), 'text')).toBe(
      [
        'Changes to activity-ranker',
        'labels: deploy-impacting',
        '',
        'Local changes kept in generated files (mlgen sync --merge)',
        '  chart/x/values.yaml: new in this change (+1 -1)',
        '    --- a/chart/x/values.yaml',
        '    +++ b/chart/x/values.yaml',
        '    @@ -1,3 +1,3 @@',
        '     a: 1',
        '    -b: 2',
        '    +b: 20',
        '     c: 3',
        '',
      ].join('\n'),
    );
    const kept = values.map((l) => ({ ...l, status: 'kept' as const }));
    expect(renderSummary(summarizeChanges(abModel(), abModel(), kept), 'text')).toBe(
      ['No changes to activity-ranker', '', 'Local changes kept in generated files (mlgen sync --merge)', '  chart/x/values.yaml: kept from before (+1 -1)', ''].join('\n'),
    );
  });

  it('renders markdown with a fence longer than any backtick run in the patch', () => {
    const ticks = localChanges({ 'src/generated/doc.ts': entry('a: 1\nb: ```` x\nc: 3\n', 'src/generated/doc.ts') }, {});
    expect(renderSummary(summarizeChanges(abModel(), abModel(), ticks), 'markdown')).toBe(
      [
        '### Changes to activity-ranker',
        '',
        '#### Local changes kept in generated files (mlgen sync --merge)',
        '',
        '- src/generated/doc.ts: new in this change (+1 -1)',
        '',
        '  `````diff',
        '  --- a/src/generated/doc.ts',
        '  +++ b/src/generated/doc.ts',
        '  @@ -1,3 +1,3 @@',
        '   a: 1',
        '  -b: 2',
        '  +b: ```` x',
        '   c: 3',
        '  `````',
        '',
      ].join('\n'),
    );
  });

  it('commonmark.js reads each patch back as one diff code block in its list item, byte for byte', () => {
    const hostile = ['a: 1\nb: ``` x\nc: 3\n', 'a: 1\nb: 2\n  ```\nc: 3\n', 'a: *1* <b>\nb: 2\nc: 3\n', 'a: 1\nb: 2\nc: 3\n- item\n'];
    const now = Object.fromEntries(hostile.map((text, i) => [`chart/x/f${i}.yaml`, entry(text, `chart/x/f${i}.yaml`)]));
    // mlgen output with a fence-like line: it appears as the context line ` \`\`\`` of the patch.
    now['README.md'] = { ...entry(), local: localRecord('README.md', 'x\n```\ny\n', 'x\n```\ny!\n')! };
    const changes = localChanges(now, {});
    const doc = new Parser().parse(renderSummary(summarizeChanges(abModel(), abModel(), changes), 'markdown'));
    const items: Array<{ text: string; code: Array<[string, string]> }> = [];
    const walker = doc.walker();
    for (let ev = walker.next(); ev; ev = walker.next()) {
      const node: Node = ev.node;
      if (!ev.entering || node.type !== 'item') continue;
      const kids: Node[] = [];
      for (let c = node.firstChild; c; c = c.next) kids.push(c);
      items.push({
        text: kids[0]?.firstChild?.literal ?? '',
        code: kids.filter((k) => k.type === 'code_block').map((k) => [k.info ?? '', k.literal ?? '']),
      });
    }
    expect(items).toEqual(changes.map((l) => ({ text: `${l.path}: new in this change (+${l.added} -${l.removed})`, code: [['diff', `${l.patch.join('\n')}\n`]] })));
  });

  it('renders json with the patch lines', () => {
    const s = summarizeChanges(abModel(), abModel(), values);
    expect(JSON.parse(renderSummary(s, 'json')).localChanges).toEqual([{ path: 'chart/x/values.yaml', status: 'added', added: 1, removed: 1, patch: values[0]!.patch }]);
  });
});
