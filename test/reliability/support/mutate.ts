/**
 * Seeded mutations of an mlservice.yaml, the edits a person (or a bad merge) makes: on the parsed
 * tree (a key deleted, renamed or added; a value of another type, an extreme number, a hostile
 * string; a list entry duplicated; deep nesting) and on the text (truncated, a stray character,
 * a line deleted, duplicated, re-indented or moved). Each mutant applies one to three of them.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { HOSTILE_STRINGS } from '../../emit/openapi-hostile.js';

export type Random = () => number;

const pick = <T>(rnd: Random, list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
const int = (rnd: Random, n: number): number => Math.floor(rnd() * n);

const OTHER_TYPES: readonly unknown[] = [0, 1, -1, 'text', '', true, false, null, [], {}, [1, 'a'], { a: 1 }];
const EXTREMES: readonly unknown[] = [-1, 0, 0.5, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53 + 1, 65537, 1e-300, '1e3', 'NaN', '.inf'];
const STRAY = ['\t', '{', '}', '[', ']', ':', ': ', '#', '"', "'", '&a', '*a', '!!binary ', '%', '|', '>', '-', '? ', ',', '\u0000', '\uFEFF', '\r', '🚀', '\\', '@', '`'];

/** Every map pair and sequence item of the document, with the collection that holds it. */
function slots(doc: Document): Array<{ parent: Node; index: number; pair?: Pair }> {
  const out: Array<{ parent: Node; index: number; pair?: Pair }> = [];
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      node.items.forEach((pair, index) => {
        out.push({ parent: node, index, pair });
        walk(pair.value);
      });
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        out.push({ parent: node, index });
        walk(item);
      });
    }
  };
  walk(doc.contents);
  return out;
}

function setValue(doc: Document, slot: ReturnType<typeof slots>[number], value: unknown): void {
  const node = doc.createNode(value);
  if (slot.pair) slot.pair.value = node;
  else if (isSeq(slot.parent)) slot.parent.items[slot.index] = node;
}

function slotValue(slot: ReturnType<typeof slots>[number]): unknown {
  return slot.pair ? slot.pair.value : isSeq(slot.parent) ? slot.parent.items[slot.index] : undefined;
}

type TreeMutation = (doc: Document, rnd: Random) => string;

const TREE: Record<string, TreeMutation> = {
  'delete key': (doc, rnd) => {
    const s = pick(rnd, slots(doc));
    (s.parent as { items: unknown[] }).items.splice(s.index, 1);
    return String(s.pair?.key ?? `[${s.index}]`);
  },
  'rename key': (doc, rnd) => {
    const keyed = slots(doc).filter((s) => s.pair && isScalar(s.pair.key));
    if (keyed.length === 0) return 'no key';
    const s = pick(rnd, keyed);
    const key = String((s.pair!.key as { value: unknown }).value);
    const renamed = key.length > 1 && rnd() < 0.5 ? key.slice(0, -1) : key.toUpperCase() === key ? `${key}s` : key.toUpperCase();
    s.pair!.key = doc.createNode(renamed);
    return `${key} -> ${renamed}`;
  },
  'add unknown key': (doc, rnd) => {
    const maps = slots(doc).map(slotValue).filter(isMap);
    const target = maps.length > 0 && rnd() < 0.8 ? pick(rnd, maps) : doc.contents;
    if (isMap(target)) target.set(pick(rnd, ['replica', 'extra', 'Service', 'x-note', '']), pick(rnd, OTHER_TYPES));
    return 'unknown key';
  },
  'value of another type': (doc, rnd) => {
    const s = pick(rnd, slots(doc));
    setValue(doc, s, pick(rnd, OTHER_TYPES));
    return String(s.pair?.key ?? `[${s.index}]`);
  },
  'extreme number': (doc, rnd) => {
    const numeric = slots(doc).filter((s) => isScalar(slotValue(s)) && typeof (slotValue(s) as { value: unknown }).value === 'number');
    const s = pick(rnd, numeric.length > 0 ? numeric : slots(doc));
    setValue(doc, s, pick(rnd, EXTREMES));
    return String(s.pair?.key ?? `[${s.index}]`);
  },
  'hostile string': (doc, rnd) => {
    const strings = slots(doc).filter((s) => isScalar(slotValue(s)) && typeof (slotValue(s) as { value: unknown }).value === 'string');
    const s = pick(rnd, strings.length > 0 ? strings : slots(doc));
    setValue(doc, s, pick(rnd, HOSTILE_STRINGS)[1]);
    return String(s.pair?.key ?? `[${s.index}]`);
  },
  'duplicate list entry': (doc, rnd) => {
    const seqs = slots(doc)
      .map(slotValue)
      .filter(isSeq)
      .filter((q) => q.items.length > 0);
    if (seqs.length === 0) return 'no list';
    const q = pick(rnd, seqs);
    q.items.push(doc.createNode(JSON.parse(JSON.stringify(q.items[int(rnd, q.items.length)]))));
    return 'duplicate';
  },
  'deep nesting': (doc, rnd) => {
    const s = pick(rnd, slots(doc));
    let v: unknown = 'deep';
    for (let i = 0; i < 200; i++) v = rnd() < 0.5 ? [v] : { k: v };
    setValue(doc, s, v);
    return String(s.pair?.key ?? `[${s.index}]`);
  },
};

type TextMutation = (text: string, rnd: Random) => string;

const TEXT: Record<string, TextMutation> = {
  truncate: (t, rnd) => t.slice(0, int(rnd, t.length)),
  'stray character': (t, rnd) => {
    const at = int(rnd, t.length + 1);
    return t.slice(0, at) + pick(rnd, STRAY) + t.slice(at);
  },
  'delete line': (t, rnd) => lines(t, rnd, (ls, i) => ls.splice(i, 1)),
  'duplicate line': (t, rnd) => lines(t, rnd, (ls, i) => ls.splice(i, 0, ls[i]!)),
  're-indent line': (t, rnd) => lines(t, rnd, (ls, i) => (ls[i] = rnd() < 0.5 ? ls[i]!.replace(/^ {1,3}/, '') : ' '.repeat(1 + int(rnd, 3)) + ls[i])),
  'move line': (t, rnd) => lines(t, rnd, (ls, i) => ls.splice(int(rnd, ls.length), 0, ...ls.splice(i, 1))),
};

function lines(text: string, rnd: Random, edit: (ls: string[], i: number) => void): string {
  const ls = text.split('\n');
  edit(ls, int(rnd, ls.length));
  return ls.join('\n');
}

export interface Mutant {
  text: string;
  /** What was done, for the report of a failing mutant. */
  edits: string[];
}

/** One to three seeded edits of `text`, tree edits only while it still parses as a mapping. */
export function mutate(text: string, rnd: Random): Mutant {
  const edits: string[] = [];
  let out = text;
  for (let n = 1 + int(rnd, 3); n > 0; n--) {
    const doc = parseDocument(out);
    if (rnd() < 0.6 && doc.errors.length === 0 && isMap(doc.contents) && slots(doc).length > 0) {
      const name = pick(rnd, Object.keys(TREE));
      edits.push(`${name} (${TREE[name]!(doc, rnd)})`);
      out = doc.toString({ lineWidth: 0 });
    } else {
      const name = pick(rnd, Object.keys(TEXT));
      edits.push(name);
      out = TEXT[name]!(out, rnd);
    }
  }
  return { text: out, edits };
}
