/** YAML-level problems: syntax, duplicate keys, alias bombs, tags, several documents, empty files, missing files. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from '../../src/config/index.js';
import { DiagnosticError, formatDiagnostic } from '../../src/diagnostics.js';
import { MINIMAL_YAML } from '../../testkit/fixtures.js';
import { edit, problems } from './helpers.js';
import { tempDir } from '../support/temp.js';

/** A classic "billion laughs": 9 levels of 9 aliases, 9^9 strings if expanded. */
function billionLaughs(): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i <= 9; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}

describe('YAML problems', () => {
  it('syntax error with line:col', () => {
    expect(problems('apiVersion: mlservice/v1\nservice: {name: x\n')).toEqual([
      'mlservice.yaml:3:1 error CONFIG.YAML_SYNTAX invalid YAML: Flow map in block collection must be sufficiently indented and end with a }\n  fix: fix the YAML syntax at this position (check indentation, quotes and brackets)',
    ]);
  });
  it('duplicate keys are refused, each one reported', () => {
    const text = edit(edit(MINIMAL_YAML, '  owner: ds-team\n', '  owner: ds-team\n  owner: other\n'), '    namespace: ds\n', '    namespace: ds\n    namespace: ds2\n');
    expect(problems(text)).toEqual([
      'mlservice.yaml:6:3 error CONFIG.DUPLICATE_KEY duplicate key "owner"\n  fix: keep one of the two entries; YAML readers disagree on which one wins',
      'mlservice.yaml:35:5 error CONFIG.DUPLICATE_KEY duplicate key "namespace"\n  fix: keep one of the two entries; YAML readers disagree on which one wins',
    ]);
  });
  it('an alias bomb is refused before it is expanded', () => {
    expect(problems(billionLaughs())).toEqual([
      'mlservice.yaml:2:10 error CONFIG.ALIAS_LIMIT cannot expand aliases: Excessive alias count indicates a resource exhaustion attack\n  fix: write the values out, or use fewer aliases (at most 100 expansions)',
    ]);
  });
  it('an alias to an unknown anchor', () => {
    expect(problems('apiVersion: *v\n')).toEqual([
      'mlservice.yaml:1:13 error CONFIG.ALIAS_LIMIT cannot expand aliases: Unresolved alias (the anchor must be set before the alias): v\n  fix: define the anchor (&name) before the alias (*name) that uses it',
    ]);
  });
  it('a few aliases are fine: one input schema shared by two endpoints', () => {
    const text = edit(edit(MINIMAL_YAML, '    input:\n', '    input: &features\n'), 'deploy:\n', '  - name: score-b\n    model: scorer\n    input: *features\n    output: {type: object}\ndeploy:\n');
    const model = parseConfigText(text, 'mlservice.yaml');
    expect(model.endpoints[1]!.input).toEqual(model.endpoints[0]!.input);
  });
  it('errors inside an aliased node point at the anchored text', () => {
    const text = edit(edit(MINIMAL_YAML, '    input:\n', '    input: &in\n'), 'deploy:\n', '  - name: score-b\n    model: scorer\n    input: *in\n    output: {type: object}\ndeploy:\n');
    expect(problems(edit(text, 'minItems: 4', 'minItems: -1'))[0]).toBe(
      'mlservice.yaml:12:5 error CONFIG.SCHEMA_INVALID endpoints[0].input is not a valid JSON Schema: schema is invalid: data/properties/features/minItems must be >= 0\n  fix: fix the schema (a misspelt keyword such as "maxitems" is a common cause); see https://json-schema.org/understanding-json-schema/',
    );
  });
  it('non-core tags are refused', () => {
    expect(problems('apiVersion: !!binary bWxzZXJ2aWNl\nservice: !custom {}\n')).toEqual([
      'mlservice.yaml:1:13 error CONFIG.YAML_TAG unsupported YAML tag "!!binary"\n  fix: remove the tag and write a plain value',
      'mlservice.yaml:2:10 error CONFIG.YAML_TAG unsupported YAML tag "!custom"\n  fix: remove the tag and write a plain value',
    ]);
  });
  it('a core tag such as !!str is allowed', () => {
    expect(parseConfigText(edit(MINIMAL_YAML, '  owner: ds-team\n', '  owner: ds-team\n  version: !!str 1.10.0\n'), 'f').service.version).toBe('1.10.0');
  });
  it('several documents', () => {
    expect(problems(`${MINIMAL_YAML}---\napiVersion: mlservice/v1\n`)).toEqual([
      'mlservice.yaml:37:1 error CONFIG.YAML_SYNTAX more than one YAML document (a second "---")\n  fix: keep one document per mlservice.yaml',
    ]);
  });
  it('a list as a mapping key', () => {
    expect(problems('apiVersion: mlservice/v1\n? [a, b]\n: 1\n')).toEqual(['mlservice.yaml:2:3 error CONFIG.YAML_SYNTAX a mapping key is a list or a mapping\n  fix: write the key as plain text']);
  });
  it('a %YAML 1.1 directive does not bring back 1.1 booleans or octals', () => {
    const text = `%YAML 1.1\n---\n${edit(MINIMAL_YAML, '    namespace: ds\n', '    namespace: ds\n    serviceMonitor: yes\n')}`;
    expect(problems(text)[0]).toBe('mlservice.yaml:36:21 error CONFIG.TYPE deploy.kubernetes.serviceMonitor must be true or false, got text "yes"\n  fix: write true or false here');
  });
  it('a UTF-8 byte order mark and CRLF line ends load like plain LF text', () => {
    const want = parseConfigText(MINIMAL_YAML, 'f');
    expect(parseConfigText(`\uFEFF${MINIMAL_YAML}`, 'f')).toStrictEqual(want);
    expect(parseConfigText(MINIMAL_YAML.replace(/\n/g, '\r\n'), 'f')).toStrictEqual(want);
    expect(problems(edit(MINIMAL_YAML, 'apiVersion: mlservice/v1', 'apiVersion: v2').replace(/\n/g, '\r\n'))[0]!.split('\n')[0]).toBe(
      'mlservice.yaml:1:13 error CONFIG.API_VERSION unsupported apiVersion "v2"',
    );
  });
  it('tabs as indentation', () => {
    expect(problems('service:\n\tname: x\n')[0]).toBe('mlservice.yaml:2:1 error CONFIG.YAML_SYNTAX tab used for indentation\n  fix: indent with spaces');
  });
  it('empty and comment-only files', () => {
    const want = ['mlservice.yaml:1:1 error CONFIG.EMPTY the file holds no configuration\n  fix: start from examples/minimal/mlservice.yaml'];
    expect(problems('')).toEqual(want);
    expect(problems('# nothing yet\n')).toEqual(want);
  });
  it('a list at the top level', () => {
    expect(problems('- apiVersion: mlservice/v1\n')).toEqual(['mlservice.yaml:1:1 error CONFIG.TYPE the top level must be a mapping, got a list\n  fix: write a mapping here']);
  });
  it('YAML 1.2 core: yes/no/on stay text, so they fail where booleans are expected', () => {
    expect(problems(edit(MINIMAL_YAML, '    namespace: ds\n', '    namespace: ds\n    serviceMonitor: yes\n'))).toEqual([
      'mlservice.yaml:34:21 error CONFIG.TYPE deploy.kubernetes.serviceMonitor must be true or false, got text "yes"\n  fix: write true or false here',
    ]);
  });
});

describe('loadConfig', () => {
  it('a missing file: exit 65, no position, the path as given', async () => {
    const err = await loadConfig('nowhere/mlservice.yaml').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagnosticError);
    expect((err as DiagnosticError).exitCode).toBe(65);
    expect((err as DiagnosticError).diagnostics.map(formatDiagnostic)).toEqual([
      'nowhere/mlservice.yaml error CONFIG.FILE_NOT_FOUND file not found\n  fix: run the command in the service directory, or pass the config path (start a new service with "yo mlservice")',
    ]);
  });
  it('returns the model, the path and the exact text', async () => {
    const dir = tempDir('mlgen-config-');
    const path = join(dir, 'mlservice.yaml');
    writeFileSync(path, MINIMAL_YAML);
    const loaded = await loadConfig(path);
    expect(loaded.path).toBe(path);
    expect(loaded.text).toBe(MINIMAL_YAML);
    expect(loaded.model.service.name).toBe('scorer');
  });
});
