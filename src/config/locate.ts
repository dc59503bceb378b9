/**
 * Maps a JSON pointer (ajv's `instancePath`) back to a line and column in the YAML document, so
 * every error points at the key or value the user wrote. Aliases are followed, so an error inside
 * a shared `&schema` points at the anchored text.
 * @see https://www.rfc-editor.org/rfc/rfc6901
 */
import { type Document, type LineCounter, type Node, isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Position } from './diag.js';
import { positionOf } from './load.js';

export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `deploy.kubernetes.replicas`, `endpoints[0].ab`: the path as a reader of the YAML sees it. */
export function displayPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number' || /^\d+$/.test(s)) out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out || 'the top level';
}

interface Found {
  /** The key scalar of the pair holding the value (absent for list items and the root). */
  key?: Node;
  value?: Node;
}

function deref(doc: Document, node: unknown): Node | undefined {
  let n = node;
  for (let i = 0; i < 8 && isAlias(n); i++) n = n.resolve(doc);
  return (n ?? undefined) as Node | undefined;
}

function step(doc: Document, parent: Node | undefined, segment: string): Found | undefined {
  const node = deref(doc, parent);
  if (isMap(node)) {
    const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === segment);
    return pair ? { key: pair.key as Node, value: deref(doc, pair.value) } : undefined;
  }
  if (isSeq(node) && /^\d+$/.test(segment)) {
    const item = node.items[Number(segment)];
    return item === undefined ? undefined : { value: deref(doc, item) };
  }
  return undefined;
}

/**
 * Position of the node at `segments`: of its key when `at` is `key` (unknown keys, missing keys'
 * parents), else of its value. Falls back to the deepest ancestor that exists.
 */
export function locate(doc: Document, lines: LineCounter, segments: readonly string[], at: 'key' | 'value' = 'value'): Position {
  let found: Found = { value: deref(doc, doc.contents) };
  let best = start(lines, found.value) ?? { line: 1, col: 1 };
  for (const segment of segments) {
    const next = step(doc, found.value, segment);
    if (!next) return best;
    found = next;
    best = start(lines, found.key) ?? start(lines, found.value) ?? best;
  }
  if (at === 'value') return start(lines, found.value) ?? best;
  return best;
}

function start(lines: LineCounter, node: Node | undefined): Position | undefined {
  return node?.range ? positionOf(lines, node.range[0]) : undefined;
}
