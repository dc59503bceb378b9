/**
 * Renders a change summary for a terminal (`text`), a pull-request comment or `.mlgen/CHANGES.md`
 * (`markdown`, CommonMark) or a machine (`json`). Every format ends with exactly one newline.
 *
 * @see https://spec.commonmark.org/0.31.2/#backslash-escapes
 */
import { SECTION_ORDER } from './summary.js';
import type { ChangeItem, ChangeLevel, ChangeSection, ChangeSummary } from './types.js';

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
  return s.items.length === 0 ? `No changes to ${s.service}` : `Changes to ${s.service}`;
}

function grouped(s: ChangeSummary): Array<[ChangeSection, ChangeItem[]]> {
  return SECTION_ORDER.map((section): [ChangeSection, ChangeItem[]] => [section, s.items.filter((i) => i.section === section)]).filter(
    ([, items]) => items.length > 0,
  );
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
  return `${lines.join('\n')}\n`;
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
  return `${lines.join('\n')}\n`;
}

export function renderSummary(s: ChangeSummary, format: SummaryFormat): string {
  if (format === 'json') return `${JSON.stringify(s, null, 2)}\n`;
  return format === 'markdown' ? renderMarkdown(s) : renderText(s);
}
