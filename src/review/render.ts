/**
 * Renders a change summary for a terminal (`text`), a pull-request comment or `.mlgen/CHANGES.md`
 * (`markdown`, CommonMark) or a machine (`json`). Every format ends with exactly one newline.
 *
 * @see https://spec.commonmark.org/0.31.2/#backslash-escapes
 */
import { SECTION_ORDER } from './summary.js';
import type { ChangeItem, ChangeLevel, ChangeSection, ChangeSummary, LocalChange } from './types.js';

export type SummaryFormat = 'text' | 'markdown' | 'json';

const TITLES: Record<ChangeSection, string> = {
  service: 'Service',
  models: 'Models',
  endpoints: 'Endpoints',
  ab: 'A/B experiments',
  batching: 'Batching',
  server: 'Server',
  deploy: 'Deploy',
  api: 'API (openapi.yaml)',
};

const PREFIX: Record<ChangeLevel, string> = { breaking: 'BREAKING', 'non-breaking': 'NON-BREAKING', warning: 'WARNING', info: '' };

function headline(s: ChangeSummary): string {
  if (s.created) return `New service ${s.service}`;
  const changed = s.items.length > 0 || s.localChanges.some((l) => l.status !== 'kept');
  return changed ? `Changes to ${s.service}` : `No changes to ${s.service}`;
}

const LOCAL_TITLE = 'Local changes kept in generated files (mlgen sync --merge)';

const STATUS: Record<LocalChange['status'], string> = {
  added: 'new in this change',
  changed: 'changed in this change',
  kept: 'kept from before',
  removed: 'dropped in this change',
};

function localLine(l: LocalChange): string {
  return `${l.path}: ${STATUS[l.status]} (+${l.added} -${l.removed})`;
}

/** The patch is shown for what this change adds or alters; kept ones are listed, dropped ones named. */
const showsPatch = (l: LocalChange): boolean => l.status === 'added' || l.status === 'changed';

function grouped(s: ChangeSummary): Array<[ChangeSection, ChangeItem[]]> {
  return SECTION_ORDER.map((section): [ChangeSection, ChangeItem[]] => [section, s.items.filter((i) => i.section === section)]).filter(([, items]) => items.length > 0);
}

function textLine(i: ChangeItem): string {
  return PREFIX[i.level] === '' ? i.message : `${PREFIX[i.level]} ${i.message}`;
}

function renderText(s: ChangeSummary): string {
  const lines = [headline(s)];
  if (s.labels.length > 0) lines.push(`labels: ${s.labels.join(', ')}`);
  for (const [section, items] of grouped(s)) {
    lines.push('', TITLES[section], ...items.map((i) => `  ${textLine(i)}`));
  }
  if (s.localChanges.length > 0) {
    lines.push('', LOCAL_TITLE);
    for (const l of s.localChanges) lines.push(`  ${localLine(l)}`, ...(showsPatch(l) ? l.patch.map((p) => `    ${p}`) : []));
  }
  return `${lines.join('\n')}\n`;
}

/** A backtick fence longer than any backtick run in `lines`, so no patch line can close it. */
function fence(lines: readonly string[]): string {
  const longest = Math.max(0, ...lines.flatMap((l) => (l.match(/`+/g) ?? []).map((r) => r.length)));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** List items; a patch goes in a fenced block inside its item (indented 2 for CommonMark). */
function markdownLocal(s: ChangeSummary): string[] {
  const out = ['', `#### ${escapeMarkdown(LOCAL_TITLE)}`, ''];
  for (const l of s.localChanges) {
    out.push(`- ${escapeMarkdown(localLine(l))}`);
    if (!showsPatch(l)) continue;
    const f = fence(l.patch);
    out.push('', `  ${f}diff`, ...l.patch.map((p) => (p === '' ? '' : `  ${p}`)), `  ${f}`);
  }
  return out;
}

/**
 * Backslash-escapes what CommonMark would read as markup inside a list item's text (`<` is enough
 * to stop HTML; `>` and `#` only matter at the start of a line, which a list item never is).
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<|~&]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}

function markdownLine(i: ChangeItem): string {
  const prefix = PREFIX[i.level] === '' ? '' : `**${PREFIX[i.level]}** `;
  return `- ${prefix}${escapeMarkdown(i.message)}`;
}

function renderMarkdown(s: ChangeSummary): string {
  const lines = [`### ${escapeMarkdown(headline(s))}`];
  if (s.labels.length > 0) lines.push('', `Labels: ${s.labels.map((l) => `\`${l}\``).join(' ')}`);
  for (const [section, items] of grouped(s)) {
    lines.push('', `#### ${TITLES[section]}`, '', ...items.map(markdownLine));
  }
  if (s.localChanges.length > 0) lines.push(...markdownLocal(s));
  return `${lines.join('\n')}\n`;
}

export function renderSummary(s: ChangeSummary, format: SummaryFormat): string {
  if (format === 'json') return `${JSON.stringify(s, null, 2)}\n`;
  return format === 'markdown' ? renderMarkdown(s) : renderText(s);
}
