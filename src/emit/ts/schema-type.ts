import type { JsonSchema } from '../../config/model.js';
import { jsDoc, propertyKey } from './names.js';

/**
 * Prints the TypeScript type of the values a JSON Schema accepts. Covers what request and response
 * schemas use (type, enum, const, properties/required/additionalProperties, items/prefixItems,
 * anyOf/oneOf/allOf); anything else (`$ref`, `not`, conditionals) widens to `unknown`, which is
 * always sound. Integers are `number`.
 * @see https://json-schema.org/draft/2020-12/json-schema-validation#section-6.1
 */
export function schemaType(schema: unknown, indent = ''): string {
  if (schema === true || schema === undefined) return 'unknown';
  if (schema === false) return 'never';
  if (!isObject(schema)) return 'unknown';
  if ('const' in schema) return JSON.stringify(schema.const) ?? 'unknown';
  if (Array.isArray(schema.enum)) return union(schema.enum.map((v) => JSON.stringify(v)));
  const combined = combinators(schema, indent);
  if (combined) return combined;
  const types = Array.isArray(schema.type) ? schema.type : typeof schema.type === 'string' ? [schema.type] : [];
  if (!types.length) return 'unknown';
  return union(types.map((t) => typeOf(String(t), schema, indent)));
}

function combinators(schema: JsonSchema, indent: string): string | undefined {
  const anyOf = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(anyOf)) return union(anyOf.map((s) => wrap(schemaType(s, indent))));
  if (Array.isArray(schema.allOf)) return schema.allOf.map((s) => wrap(schemaType(s, indent))).join(' & ');
  return undefined;
}

function typeOf(type: string, schema: JsonSchema, indent: string): string {
  switch (type) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return type;
    case 'integer':
      return 'number';
    case 'array':
      return arrayType(schema, indent);
    case 'object':
      return objectType(schema, indent);
    default:
      return 'unknown';
  }
}

function arrayType(schema: JsonSchema, indent: string): string {
  if (Array.isArray(schema.prefixItems)) {
    const head = schema.prefixItems.map((s) => schemaType(s, indent));
    const rest = schema.items === false ? [] : [`...${wrap(schemaType(schema.items, indent))}[]`];
    return `[${[...head, ...rest].join(', ')}]`;
  }
  return `${wrap(schemaType(schema.items, indent))}[]`;
}

function objectType(schema: JsonSchema, indent: string): string {
  const props = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const inner = `${indent}  `;
  const members = Object.entries(props).map(([key, sub]) => {
    const doc = isObject(sub) && typeof sub.description === 'string' ? jsDoc(sub.description, inner) : '';
    const optional = required.has(key) ? '' : '?';
    return `${doc}${inner}${propertyKey(key)}${optional}: ${schemaType(sub, inner)};`;
  });
  const extra = schema.additionalProperties;
  // Only an explicit `additionalProperties` opens the type: most request schemas leave it unset and
  // mean "these fields"; an index signature would hide typos in hooks.
  if (extra === true || isObject(extra)) members.push(`${inner}[key: string]: unknown;`);
  if (!members.length) return extra === false ? 'Record<string, never>' : 'Record<string, unknown>';
  return `{\n${members.join('\n')}\n${indent}}`;
}

function union(parts: string[]): string {
  const unique = [...new Set(parts)];
  return unique.length ? unique.join(' | ') : 'never';
}

/** Parenthesizes unions and intersections where they become an operand (`(A | B)[]`). */
function wrap(type: string): string {
  return hasTopLevelOperator(type) ? `(${type})` : type;
}

/** True when `|` or `&` occurs outside brackets and string literals. */
function hasTopLevelOperator(type: string): boolean {
  let depth = 0;
  for (let i = 0; i < type.length; i++) {
    const c = type[i]!;
    if (c === '"') {
      for (i++; i < type.length && type[i] !== '"'; i++) if (type[i] === '\\') i++;
    } else if ('{[('.includes(c)) depth++;
    else if ('}])'.includes(c)) depth--;
    else if (depth === 0 && (c === '|' || c === '&')) return true;
  }
  return false;
}

function isObject(v: unknown): v is JsonSchema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
