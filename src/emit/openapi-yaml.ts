/**
 * Deterministic YAML for generated documents: keys in insertion order, no line folding, no
 * anchors, and strings quoted whenever a YAML 1.1 reader (PyYAML, go-yaml v2, many linters) would
 * read the plain form as something other than the same string (`yes`, `on`, `1_000`, dates).
 *
 * @see https://eemeli.org/yaml/#tostring-options
 * @see https://yaml.org/type/bool.html (the 1.1 booleans that 1.2 reads as strings)
 */
import { Document, isScalar, parse, visit } from 'yaml';

function readsBackAs(text: string): unknown {
  try {
    return parse(text, { version: '1.1', logLevel: 'error' });
  } catch {
    return undefined;
  }
}

/** Serializes `value` (plain data) to YAML, prefixed by `# <line>` for each header line. */
export function toYaml(value: unknown, headerLines: readonly string[] = []): string {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  // One YAML parse per distinct string: documents repeat `type: string`, media types, names.
  const quote = new Map<string, boolean>();
  visit(doc, {
    Scalar(_key, node) {
      if (!isScalar(node) || typeof node.value !== 'string' || node.value.includes('\n')) return;
      let q = quote.get(node.value);
      if (q === undefined) quote.set(node.value, (q = readsBackAs(node.value) !== node.value));
      if (q) node.type = 'QUOTE_DOUBLE';
    },
  });
  const body = doc.toString({ lineWidth: 0, minContentWidth: 0 });
  const header = headerLines.map((line) => `# ${line}\n`).join('');
  return header + body;
}
