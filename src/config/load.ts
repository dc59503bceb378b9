/**
 * YAML text -> plain data, keeping the parsed document so later steps can point at lines.
 * YAML 1.2 core schema only (so `no`, `on`, `0755` mean what JSON would say), duplicate keys refused,
 * alias expansion bounded against "billion laughs" documents.
 * @see https://yaml.org/spec/1.2.2/#103-core-schema
 * @see https://eemeli.org/yaml/#options
 */
import { type Document, LineCounter, isAlias, isCollection, isNode, isScalar, parseDocument, visit } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';
import { type Position, configError, sortDiagnostics } from './diag.js';

/** Aliases a config may expand in total; real configs use a handful (a shared input schema). */
export const MAX_ALIAS_COUNT = 100;

/** Tags a user may write explicitly; everything else (`!!binary`, `!custom`) is refused. */
const CORE_TAGS = new Set([
  'tag:yaml.org,2002:str',
  'tag:yaml.org,2002:int',
  'tag:yaml.org,2002:float',
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:null',
  'tag:yaml.org,2002:map',
  'tag:yaml.org,2002:seq',
]);

export interface ParsedYaml {
  doc: Document;
  lines: LineCounter;
  /** The document as plain JSON-like data; `undefined` when parsing failed. */
  data: unknown;
  diagnostics: Diagnostic[];
}

export function positionOf(lines: LineCounter, offset: number): Position {
  const { line, col } = lines.linePos(offset);
  return { line, col };
}

export function parseYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, schema: 'core', version: '1.2', prettyErrors: false, merge: false });
  const diagnostics = [...doc.errors, ...doc.warnings].map((e) => yamlProblem(file, lines, doc, e.code, e.message, e.pos[0]));
  diagnostics.push(...explicitTags(doc, lines, file, text), ...collectionKeys(doc, lines, file));
  if (diagnostics.length > 0) return { doc, lines, data: undefined, diagnostics: sortDiagnostics(diagnostics) };
  try {
    return { doc, lines, data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), diagnostics };
  } catch (e) {
    // toJS throws on alias bombs and on aliases to unknown anchors; point at the first alias.
    const pos = firstAliasPosition(doc, lines);
    const detail = e instanceof Error ? e.message : String(e);
    const fix = /Excessive alias count/.test(detail)
      ? `write the values out, or use fewer aliases (at most ${MAX_ALIAS_COUNT} expansions)`
      : 'define the anchor (&name) before the alias (*name) that uses it';
    return { doc, lines, data: undefined, diagnostics: [configError(file, pos, 'CONFIG.ALIAS_LIMIT', `cannot expand aliases: ${detail}`, fix)] };
  }
}

function yamlProblem(file: string, lines: LineCounter, doc: Document, code: string, message: string, offset: number): Diagnostic {
  const pos = positionOf(lines, offset);
  if (code === 'DUPLICATE_KEY') {
    const key = text(doc, offset);
    return configError(file, pos, 'CONFIG.DUPLICATE_KEY', `duplicate key ${JSON.stringify(key)}`, 'keep one of the two entries; YAML readers disagree on which one wins');
  }
  if (code === 'MULTIPLE_DOCS') {
    return configError(file, pos, 'CONFIG.YAML_SYNTAX', 'more than one YAML document (a second "---")', 'keep one document per mlservice.yaml');
  }
  if (code === 'TAB_AS_INDENT') {
    return configError(file, pos, 'CONFIG.YAML_SYNTAX', 'tab used for indentation', 'indent with spaces');
  }
  if (code === 'TAG_RESOLVE_FAILED') {
    const tag = /tag: (\S+)/.exec(message)?.[1] ?? message;
    return configError(file, pos, 'CONFIG.YAML_TAG', `unsupported YAML tag ${JSON.stringify(tag)}`, 'remove the tag and write a plain value');
  }
  return configError(file, pos, 'CONFIG.YAML_SYNTAX', `invalid YAML: ${message.replace(/\.$/, '')}`, 'fix the YAML syntax at this position (check indentation, quotes and brackets)');
}

/** The source text of the scalar that starts at `offset` (the duplicate key's name). */
function text(doc: Document, offset: number): string {
  let found = '';
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function explicitTags(doc: Document, lines: LineCounter, file: string, text: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  visit(doc, (_, node) => {
    // Unknown local tags (`!foo`) already come back as parser warnings; this catches resolved ones (`!!binary`).
    if (isNode(node) && !isAlias(node) && node.tag?.startsWith('tag:') && !CORE_TAGS.has(node.tag) && node.range) {
      // The node's range starts after its tag; point at the tag itself when it is on the same line.
      let bang = text.lastIndexOf('!', node.range[0]);
      while (bang > 0 && text[bang - 1] === '!') bang--;
      const at = bang >= 0 && !text.slice(bang, node.range[0]).includes('\n') ? bang : node.range[0];
      out.push(
        configError(file, positionOf(lines, at), 'CONFIG.YAML_TAG', `unsupported YAML tag ${JSON.stringify(node.tag.replace('tag:yaml.org,2002:', '!!'))}`, 'remove the tag and write a plain value'),
      );
    }
  });
  return out;
}

/** `? [a, b]: x` is legal YAML but has no JSON meaning (yaml would stringify the key and warn on stderr). */
function collectionKeys(doc: Document, lines: LineCounter, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (isCollection(pair.key) && pair.key.range) {
        out.push(configError(file, positionOf(lines, pair.key.range[0]), 'CONFIG.YAML_SYNTAX', 'a mapping key is a list or a mapping', 'write the key as plain text'));
      }
    },
  });
  return out;
}

function firstAliasPosition(doc: Document, lines: LineCounter): Position {
  let pos: Position = { line: 1, col: 1 };
  visit(doc, {
    Alias(_, node) {
      if (node.range) pos = positionOf(lines, node.range[0]);
      return visit.BREAK;
    },
  });
  return pos;
}
