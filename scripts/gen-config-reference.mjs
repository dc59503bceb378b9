#!/usr/bin/env node
/**
 * Writes docs/config-reference.md from schemas/mlservice.schema.json, the single source of truth:
 * every key path with its type, constraints, default, description and examples.
 *   node scripts/gen-config-reference.mjs          write the file (npm run docs:config)
 *   node scripts/gen-config-reference.mjs --check  exit 1 if the committed file is out of date
 * Plain JavaScript so it runs without a build.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMA = 'schemas/mlservice.schema.json';
const OUT = 'docs/config-reference.md';

/** @typedef {Record<string, any>} Node */

/** Follows local `$ref`s; sibling keywords win over the referenced ones (draft 2020-12). */
function resolve(/** @type {Node} */ root, /** @type {Node} */ node) {
  if (typeof node.$ref !== 'string') return node;
  const target = node.$ref
    .slice(2)
    .split('/')
    .reduce((n, s) => n[s], root);
  const { $ref, ...rest } = node;
  return { ...resolve(root, target), ...rest };
}

/** Text for a table cell: one line, pipes escaped (also inside code spans, per GFM). */
function cell(/** @type {string} */ text) {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** An inline code span; one with a backtick inside gets double-backtick fences (CommonMark 6.1). */
function code(/** @type {unknown} */ value) {
  const text = typeof value === 'string' && value !== '' ? value : JSON.stringify(value);
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function typeOf(/** @type {Node} */ root, /** @type {Node} */ n) {
  if (n.const !== undefined) return code(n.const);
  if (n.enum) return n.enum.map(code).join(' or ');
  const types = [n.type ?? 'any'].flat();
  const names = types.map((t) => ({ object: 'mapping', array: 'list', boolean: 'boolean' })[t] ?? t);
  if (types.includes('boolean') && n.then?.const === false) return 'mapping or `false`';
  if (types.includes('string') && n.then?.const !== undefined) return `${code(n.then.const)} or mapping`;
  const item = n.type === 'array' && n.items ? resolve(root, n.items) : undefined;
  if (item?.type) return `list of ${item.type === 'object' ? 'mappings' : `${item.type}s`}`;
  return names.join(' or ');
}

function constraints(/** @type {Node} */ n) {
  const out = [];
  const range = (lo, hi, unit) => {
    if (lo !== undefined && hi !== undefined) out.push(`${lo}–${hi}${unit}`);
    else if (lo !== undefined) out.push(`≥ ${lo}${unit}`);
    else if (hi !== undefined) out.push(`≤ ${hi}${unit}`);
  };
  range(n.minimum, n.maximum, '');
  range(n.minLength, n.maxLength, ' chars');
  range(n.minItems, n.maxItems, ' items');
  if (n.uniqueItems) out.push('unique');
  if (n.format) out.push(`format ${n.format}`);
  if (n.pattern) out.push(`pattern ${code(n.pattern)}`);
  return out.join(', ');
}

/** Depth-first rows in schema order: [path, node, required]. */
function rows(/** @type {Node} */ root, /** @type {Node} */ node, /** @type {string} */ path, /** @type {boolean} */ required, out = []) {
  const n = resolve(root, node);
  if (path) out.push([path, n, required]);
  const item = n.type === 'array' && n.items ? resolve(root, n.items) : undefined;
  if (item?.properties) {
    rows(root, item, `${path}[]`, false, out);
    return out;
  }
  const req = new Set(n.required ?? []);
  for (const [key, child] of Object.entries(n.properties ?? {})) rows(root, child, path ? `${path}.${key}` : key, req.has(key), out);
  return out;
}

/** @param {Node} schema */
export function renderConfigReference(schema) {
  const lines = [
    '# mlservice.yaml reference',
    '',
    `<!-- Generated from ${SCHEMA} by \`npm run docs:config\`. Do not edit: change the schema and regenerate. -->`,
    '',
    schema.description,
    '',
    'Editors that speak the YAML language server complete and check the file when it starts with',
    '`# yaml-language-server: $schema=<path to mlservice.schema.json>`. Complete configs are in',
    '[`examples/`](../examples). Error codes are listed in [errors.md](errors.md).',
  ];
  const all = rows(schema, schema, '', true);
  for (const section of Object.keys(schema.properties)) {
    const top = resolve(schema, schema.properties[section]);
    lines.push('', `## \`${section}\``, '', top.description, '', '| Key | Type | Required | Default | Description |', '|---|---|---|---|---|');
    for (const [path, n, required] of all.filter(([p]) => p === section || p.startsWith(`${section}.`) || p.startsWith(`${section}[]`))) {
      const limits = constraints(n);
      const examples = (n.examples ?? []).map(code).join(', ');
      // The section's own description is the paragraph above its table.
      const text = [path === section ? '' : n.description, limits && `Constraints: ${limits}.`, examples && `Examples: ${examples}.`].filter(Boolean).join(' ');
      const dflt = n.default === undefined ? '' : code(n.default);
      lines.push(`| \`${path}\` | ${cell(typeOf(schema, n))} | ${required ? 'yes' : ''} | ${cell(dflt)} | ${cell(text)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function main() {
  const schema = JSON.parse(readFileSync(join(ROOT, SCHEMA), 'utf8'));
  const want = renderConfigReference(schema);
  if (process.argv.includes('--check')) {
    let have = '';
    try {
      have = readFileSync(join(ROOT, OUT), 'utf8');
    } catch {}
    if (have !== want) {
      process.stderr.write(`${OUT} is out of date with ${SCHEMA}; run: npm run docs:config\n`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(join(ROOT, OUT), want);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
