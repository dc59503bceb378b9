/**
 * Hostile strings: free text is accepted and preserved byte for byte; identifiers, paths and
 * sources that would break a file name, a URL, a label or a template are refused with a code.
 */
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseConfigText } from '../../src/config/index.js';
import { AB_YAML, MINIMAL_YAML } from '../../testkit/fixtures.js';
import { problems } from './helpers.js';

const HOSTILE = [
  'he said "hi" and \'bye\'',
  'key: value',
  '# not a comment',
  '{{ .Values.secret }} {{{raw}}}',
  '${jndi:ldap://x} #{spel} $(rm -rf /)',
  'line one\nline two\r\n\ttabbed',
  'ünïcødé ✓ 日本語 🚀 \u200b',
  '../../etc/passwd',
  '/etc/passwd',
  '</script><script>alert(1)</script>',
  '- [a, b]: {c}',
  '',
  ' leading and trailing spaces ',
  'null',
  '0x1F',
  '*alias &anchor !tag | >',
];

type Obj = Record<string, any>;

function withEdit(base: string, change: (o: Obj) => void): string {
  const o = parse(base) as Obj;
  change(o);
  return stringify(o);
}

describe('free text is preserved exactly', () => {
  it.each(HOSTILE.map((s) => [JSON.stringify(s), s] as const))('%s', (_, s) => {
    const text = withEdit(AB_YAML, (o) => {
      o.service.description = s;
      o.service.contact = { name: s || 'x' };
      o.endpoints[0].description = s;
      o.endpoints[0].ab.salt = s || 'non-empty';
      o.endpoints[0].input.properties.device.enum = ['desktop', s];
      o.endpoints[0].input.properties[s || 'empty'] = { type: 'string', description: s };
      o.endpoints[0].examples = [{ user_id: s || 'u', activity_ids: [1], device: s }];
    });
    const m = parseConfigText(text, 'mlservice.yaml');
    const ep = m.endpoints[0]!;
    expect(m.service.description).toBe(s);
    expect(m.service.contact).toEqual({ name: s || 'x' });
    expect(ep.description).toBe(s);
    expect(ep.ab!.salt).toBe(s || 'non-empty');
    expect((ep.input.properties as Obj).device.enum).toEqual(['desktop', s]);
    expect((ep.input.properties as Obj)[s || 'empty']).toEqual({ description: s, type: 'string' });
    expect(ep.examples).toEqual([{ activity_ids: [1], device: s, user_id: s || 'u' }]);
  });
});

describe('identifiers, paths and sources refuse hostile values', () => {
  const first = (text: string) => problems(text).map((p) => p.split('\n')[0]!.replace(/^mlservice\.yaml:\d+:\d+ error /, ''));
  // "null" and "/etc/passwd" are legitimate here (a label, a path), and "" has its own message.
  const refused = HOSTILE.filter((s) => !['null', '/etc/passwd', ''].includes(s));
  it.each(refused.map((s) => [JSON.stringify(s), s] as const))('%s', (_, s) => {
    const q = JSON.stringify(s);
    const text = withEdit(AB_YAML, (o) => {
      o.service.name = s;
      o.endpoints[0].path = s;
      o.endpoints[0].ab.overrideHeader = s;
      o.deploy.image.repository = s;
    });
    expect(first(text)).toEqual([
      `CONFIG.PATTERN service.name has an invalid value ${q}`,
      `CONFIG.PATTERN endpoints[0].ab.overrideHeader has an invalid value ${q}`,
      `CONFIG.PATTERN endpoints[0].path has an invalid value ${q}`,
      `CONFIG.PATTERN deploy.image.repository has an invalid value ${q}`,
    ]);
  });

  it('a quoted "null" stays the text "null"', () => {
    const m = parseConfigText(
      withEdit(MINIMAL_YAML, (o) => {
        o.service.name = 'null';
      }),
      'mlservice.yaml',
    );
    expect(m.service.name).toBe('null');
  });

  it.each([
    ['../models/x.onnx', 'path leaves the project directory ("..")'],
    ['models/../../x.onnx', 'path leaves the project directory ("..")'],
    ['/abs/model.onnx', 'absolute paths break on every other machine'],
    ['~/model.onnx', 'absolute paths break on every other machine'],
    ['C:\\models\\x.onnx', 'absolute paths break on every other machine'],
    ['models\\x.onnx', 'backslashes in a path'],
    ['models/.hidden/x.onnx', 'path segment ".hidden" is not allowed'],
    ['models//x.onnx', 'path segment "" is not allowed'],
    ['models/x y.onnx', 'path segment "x y.onnx" is not allowed'],
    ['models/${VERSION}/x.onnx', 'path segment "${VERSION}" is not allowed'],
    ['models/{{v}}.onnx', 'path segment "{{v}}.onnx" is not allowed'],
    ['./../models/x.onnx', 'path leaves the project directory ("..")'],
    ['./', 'the path names the project directory itself'],
    ['models/./x.onnx', 'path segment "." is not allowed'],
    ['models:/my model/1', 'invalid registered model name "my model"'],
    ['models:/ranker@', 'invalid alias ""'],
    ['https://exa mple.com/x.onnx', 'not a valid URL'],
  ])('source %s is refused', (source, reason) => {
    const text = withEdit(MINIMAL_YAML, (o) => {
      o.models[0].source = source;
    });
    expect(first(text)).toEqual([`CONFIG.MODEL_SOURCE models[0].source ${JSON.stringify(source)}: ${reason}`]);
  });
});
