/**
 * Serializes a workflow object to YAML with the generated-file header, and builds GitHub
 * expressions (`${{ ... }}`) so no emitter writes that syntax by hand.
 */
import { Document } from 'yaml';
import { GENERATED_MARKER } from './types.js';

/** `${{ <expr> }}`: only for trusted expression text written by the emitters themselves. */
export function gh(expr: string): string {
  return '$' + '{{ ' + expr + ' }}';
}

const EXPRESSION_OPEN = '$' + '{{';

/**
 * Config-derived text must not contain `${{` (GitHub would evaluate it, even inside env values)
 * nor line breaks; DNS-label names never do, so this only fires on a bug or a hostile model.
 */
export function plain(value: string, what: string): string {
  if (value.includes(EXPRESSION_OPEN) || /[\r\n]/.test(value)) {
    throw new Error(`internal: ${what} ${JSON.stringify(value)} cannot be placed in a workflow`);
  }
  return value;
}

export function workflowYaml(workflow: object, header: string[]): string {
  const doc = new Document(workflow);
  doc.commentBefore = [` ${GENERATED_MARKER}`, ...header.map((l) => ` ${l}`)].join('\n');
  // lineWidth 0: never fold long strings (scripts stay byte-for-byte as written).
  return doc.toString({ lineWidth: 0, indent: 2 });
}
