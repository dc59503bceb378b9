/**
 * A config JSON Schema embedded in the OpenAPI document. Local references (`#/$defs/row`) are
 * inlined where they are used, so the embedded schema has no `$defs`: openapi-typescript turns
 * `$defs` into a required property of the generated object type and writes references into a
 * request body as a type path through a `schema` key its types do not have. A recursive reference
 * cannot be inlined; it is rebased onto where the schema is embedded and its `$defs` stay.
 * `$id`/`$schema` are dropped because an `$id` would change the base URI references resolve
 * against. OAS 3.1 schemas are JSON Schema 2020-12.
 * @see https://spec.openapis.org/oas/v3.1.0.html#schema-object
 * @see https://github.com/openapi-ts/openapi-typescript/blob/main/packages/openapi-typescript/src/transform/schema-object.ts
 */
import type { JsonSchema } from '../config/model.js';

type Node = Record<string, unknown>;

function isObject(v: unknown): v is Node {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** RFC 6901 lookup of a `#/...` reference inside `root`. */
function resolve(root: unknown, ref: string): unknown {
  const keys = ref
    .slice(2)
    .split('/')
    .filter((k) => k !== '')
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  return keys.reduce<unknown>((node, k) => (isObject(node) || Array.isArray(node) ? (node as Node)[k] : undefined), root);
}

/** `schema` as embedded at `base` (a `#/...` pointer in the OpenAPI document). */
export function embedSchema(schema: JsonSchema, base: string): JsonSchema {
  let kept = false;
  const walk = (node: unknown, expanding: readonly string[]): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, expanding));
    if (!isObject(node)) return node;
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith('#')) {
      const target = resolve(schema, ref);
      const { $ref: _ref, ...siblings } = node;
      if (isObject(target) && !expanding.includes(ref) && ref !== '#') {
        const inlined = walk(target, [...expanding, ref]);
        return Object.keys(siblings).length === 0 ? inlined : { allOf: [inlined], ...(walk(siblings, expanding) as Node) };
      }
      kept = true;
      return { ...(walk(siblings, expanding) as Node), $ref: base + ref.slice(1) };
    }
    const out: Node = {};
    for (const [key, value] of Object.entries(node)) out[key] = walk(value, expanding);
    return out;
  };
  const { $id: _id, $schema: _schema, $defs, definitions, ...rest } = schema as Node;
  const body = walk(rest, []) as Node;
  // Definitions stay only when a recursive reference still points into them.
  // Each definition is walked as if expanding itself, so a self-reference stays one reference.
  const walkDefs = (defs: unknown, key: string) =>
    isObject(defs) ? Object.fromEntries(Object.entries(defs).map(([k, v]) => [k, walk(v, [`#/${key}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`])])) : defs;
  if (kept) {
    if ($defs !== undefined) body.$defs = walkDefs($defs, '$defs');
    if (definitions !== undefined) body.definitions = walkDefs(definitions, 'definitions');
  }
  return body as JsonSchema;
}

/** Keywords whose value is one subschema, an array of them, or a map of name -> subschema. */
const ONE = ['items', 'additionalItems', 'additionalProperties', 'unevaluatedItems', 'unevaluatedProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else'];
const LIST = ['prefixItems', 'allOf', 'anyOf', 'oneOf'];
const MAP = ['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions'];

/**
 * A response schema whose optional properties carry no `default`: openapi-typescript (default
 * `defaultNonNullable: true`) types every property with a `default` as required outside request
 * bodies, so a client would be promised a field the service may leave out. The value moves into
 * the description, where readers still see it; required properties keep theirs.
 * @see https://github.com/openapi-ts/openapi-typescript/blob/main/packages/openapi-typescript/src/transform/schema-object.ts (the `optional` test in transformSchemaObjectCore)
 */
export function withoutOptionalDefaults(schema: JsonSchema): JsonSchema {
  const walk = (node: unknown, optional: boolean): unknown => {
    if (!isObject(node)) return node;
    const out: Node = {};
    for (const [key, value] of Object.entries(node)) {
      if (ONE.includes(key)) out[key] = walk(value, false);
      else if (LIST.includes(key) && Array.isArray(value)) out[key] = value.map((v) => walk(v, false));
      else if (MAP.includes(key) && isObject(value)) {
        // Only `properties` entries can be optional; those not listed in `required` are.
        const required = Array.isArray(node.required) ? (node.required as unknown[]) : [];
        out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, key === 'properties' && !required.includes(k))]));
      } else out[key] = value;
    }
    if (!optional || !('default' in out)) return out;
    const { default: value, ...rest } = out;
    const note = `Default when absent: \`${JSON.stringify(value)}\`.`;
    return { ...rest, description: typeof rest.description === 'string' && rest.description !== '' ? `${rest.description}\n\n${note}` : note };
  };
  return walk(schema, false) as JsonSchema;
}
