/** Strings that break YAML or templates when written as text: each must round-trip unchanged. */
import type { ServiceModel } from '../../src/config/model.js';
import { abModel } from '../../testkit/fixtures.js';

export const HOSTILE_STRINGS: ReadonlyArray<readonly [label: string, value: string]> = [
  ['colon-space', 'key: value'],
  ['leading hash', '# not a comment'],
  ['inner hash', 'a #b'],
  ['double quotes', 'say "hi"'],
  ['single quote', "O'Brien"],
  ['handlebars', '{{ .Values.x }}'],
  ['spel / template literal', '${trigger.parameters.tag}'],
  ['newlines', 'line one\nline two\n\nline four'],
  ['trailing newline', 'ends with newline\n'],
  ['leading space', '  indented'],
  ['unicode', 'Größe ✓ 模型 🚀'],
  ['yaml 1.1 boolean', 'yes'],
  ['yaml 1.1 on', 'on'],
  ['number-like', '0123'],
  ['underscore number', '1_000'],
  ['date-like', '2026-11-25'],
  ['null-like', 'null'],
  ['tilde', '~'],
  ['flow chars', '[a, {b: c}]'],
  ['anchor-like', '&anchor *alias'],
  ['dash', '- item'],
  ['backslash', 'C:\\path\\n'],
  ['tab', 'a\tb'],
  ['empty', ''],
  ['path traversal', '../../etc/passwd'],
];

/** The A/B fixture with every hostile string in descriptions, enum values and examples. */
export function hostileModel(): ServiceModel {
  const m = abModel();
  const values = HOSTILE_STRINGS.map(([, v]) => v);
  m.service.description = values.join(' | ');
  m.service.contact = { name: 'Team "Reco" #1: {{x}}' };
  const e = m.endpoints[0]!;
  e.description = values.join('\n');
  const props = e.input.properties as Record<string, Record<string, unknown>>;
  props.note = { type: 'string', description: values.join(' '), enum: values.filter((v) => v !== '') };
  e.examples = [{ activity_ids: [1], user_id: values.join(''), note: 'yes' }];
  return m;
}
