/**
 * Identifiers and literals for generated TypeScript. Config names are DNS-1123 labels
 * (`[a-z0-9-]`), so they need mapping to identifiers; every other string is printed with
 * JSON.stringify, which yields a valid TS string literal for any input (quotes, `${`, newlines).
 */

/**
 * `rank-v2` -> `RankV2`. A part that starts with a digit gets a `_` (`a-1` -> `A_1`) so the mapping
 * stays one-to-one: upper-case letters and `_` mark exactly where the dashes were.
 */
export function pascalCase(label: string): string {
  return label
    .split('-')
    .map((p) => (/^[0-9]/.test(p) ? `_${p}` : p.charAt(0).toUpperCase() + p.slice(1)))
    .join('');
}

/** Type names of one endpoint's request and response bodies. */
export function bodyTypeNames(endpoint: string): { request: string; response: string } {
  const base = pascalCase(endpoint);
  return { request: `${base}Request`, response: `${base}Response` };
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** An object key as written in TS source: bare when it is an identifier, else a string literal. */
export function propertyKey(key: string): string {
  return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}

/** `obj.key` or `obj["key"]`. */
export function propertyAccess(obj: string, key: string): string {
  return IDENTIFIER.test(key) ? `${obj}.${key}` : `${obj}[${JSON.stringify(key)}]`;
}

/** A JSDoc block for `text` (none when empty); `*\/` inside the text cannot end the comment. */
export function jsDoc(text: string | undefined, indent = ''): string {
  if (!text?.trim()) return '';
  const lines = text.replace(/\*\//g, '*\\/').trim().split(/\r?\n/);
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} *${l ? ` ${l}` : ''}`).join('\n')}\n${indent} */\n`;
}

/** Text for a `//` comment: line terminators (which would end the comment early) become spaces. */
export function lineComment(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

/**
 * A JSON-compatible value as a TS expression, objects and arrays spread over lines with two-space
 * indents, keys bare where they are identifiers. `undefined` members are left out, as in JSON.
 */
export function tsLiteral(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (!value.length) return '[]';
    const flat = value.every((v) => v === null || typeof v !== 'object');
    const oneLine = flat ? `[${value.map((v) => tsLiteral(v)).join(', ')}]` : '';
    if (flat && oneLine.length + indent.length <= 100) return oneLine;
    return `[\n${value.map((v) => `${inner}${tsLiteral(v, inner)},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (!entries.length) return '{}';
  const body = entries.map(([k, v]) => `${inner}${propertyKey(k)}: ${tsLiteral(v, inner)},`);
  return `{\n${body.join('\n')}\n${indent}}`;
}
