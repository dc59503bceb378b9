/**
 * The OpenAPI document a service serves at /openapi.json: the project's `openapi.yaml` (what its
 * mlservice.yaml decides) plus this package's operational routes (/livez, /readyz, /metrics,
 * /metadata, with their tag), and every reference into this package's `openapi.yaml` (the Problem
 * schema, the shared error answers) resolved the way `redocly bundle` resolves an external
 * reference: a path item is inlined, a component is copied into `components` under its own name and
 * the reference made local. The operational part therefore always describes the runtime that
 * answers, whatever version generated the project's file. The routes are added here rather than
 * referenced from the project's file because Spectral rejects a path item that is an external
 * reference (stoplightio/spectral#2655).
 * @see https://spec.openapis.org/oas/v3.1.0.html#reference-object
 * @see https://redocly.com/docs/cli/commands/bundle
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

type Node = Record<string, unknown>;

/** A reference into this package's document, from wherever the project's node_modules is. */
const OWN_REF = /(?:^|\/)@mlservice\/runtime\/openapi\.yaml(#.*)$/;
const OWN = '@mlservice/runtime/openapi.yaml';

export const isObject = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v);

let operations: Promise<Node> | undefined;

/** This package's `openapi.yaml`, read once. */
export function operationsDocument(): Promise<Node> {
  operations ??= readFile(new URL('../openapi.yaml', import.meta.url), 'utf8').then((text) => parse(text) as Node);
  return operations;
}

/** RFC 6901 lookup of a `#/...` pointer. */
export function lookup(doc: Node, pointer: string): unknown {
  const keys = pointer
    .slice(2)
    .split('/')
    .filter((k) => k !== '')
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  return keys.reduce<unknown>((node, k) => (isObject(node) ? node[k] : undefined), doc);
}

function target(fragment: Node, pointer: string, ref: string): Node {
  const found = lookup(fragment, pointer);
  if (!isObject(found)) throw new Error(`openapi.yaml refers to ${ref}, which @mlservice/runtime's openapi.yaml does not have`);
  return found;
}

/**
 * `doc` with the operational paths of `fragment` (this package's document) it lacks, and its
 * references into `fragment` resolved; `doc` is not changed. A path `doc` already has stays as it
 * is (documents embedded by services generated before carry the routes themselves).
 */
export function bundleOperations(doc: Node, fragment: Node): Node {
  const out = structuredClone(doc);
  const paths = (isObject(out.paths) ? out.paths : (out.paths = {})) as Node;
  for (const path of Object.keys(isObject(fragment.paths) ? fragment.paths : {})) {
    if (!(path in paths)) paths[path] = { $ref: `${OWN}#/paths/${path.replace(/~/g, '~0').replace(/\//g, '~1')}` };
  }
  const components = (isObject(out.components) ? out.components : (out.components = {})) as Record<string, Node>;
  const copied = new Set<string>();
  const usedTags = new Set<string>();

  /** Copies the fragment component a local `#/components/<kind>/<name>` pointer names, once. */
  const copyComponent = (pointer: string): void => {
    const [, , kind, name] = pointer.split('/');
    if (!kind || !name || copied.has(pointer)) return;
    copied.add(pointer);
    const value = walk(structuredClone(target(fragment, pointer, pointer)), true);
    const section = (components[kind] ??= {});
    if (name in section && JSON.stringify(section[name]) !== JSON.stringify(value)) {
      throw new Error(`openapi.yaml defines components.${kind}.${name}, which @mlservice/runtime's operations need under that name`);
    }
    section[name] = value;
  };

  /** `inFragment`: the node came from the fragment, so its local references point into the fragment. */
  function walk(node: unknown, inFragment: boolean): unknown {
    if (Array.isArray(node)) return node.map((n) => walk(n, inFragment));
    if (!isObject(node)) return node;
    const ref = node.$ref;
    if (typeof ref === 'string') {
      const own = OWN_REF.exec(ref)?.[1];
      const pointer = own ?? (inFragment && ref.startsWith('#/') ? ref : undefined);
      if (pointer?.startsWith('#/components/')) {
        copyComponent(pointer);
        return { ...node, $ref: pointer };
      }
      if (pointer !== undefined) {
        const { $ref: _ref, ...siblings } = node;
        return walk({ ...structuredClone(target(fragment, pointer, ref)), ...siblings }, true);
      }
    }
    if (inFragment && Array.isArray(node.tags)) for (const t of node.tags) if (typeof t === 'string') usedTags.add(t);
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, inFragment)]));
  }

  const { components: _c, ...rest } = out;
  for (const [k, v] of Object.entries(rest)) out[k] = walk(v, false);
  for (const section of Object.values(components)) {
    if (isObject(section)) for (const [name, value] of Object.entries(section)) section[name] = walk(value, false) as Node;
  }
  // Tags the inlined operations use and the project's file does not define (`operation-tag-defined`).
  const tags = Array.isArray(out.tags) ? (out.tags as Node[]) : [];
  const defined = new Set(tags.map((t) => t.name));
  const fragmentTags = Array.isArray(fragment.tags) ? (fragment.tags as Node[]) : [];
  const missing = fragmentTags.filter((t) => usedTags.has(String(t.name)) && !defined.has(t.name));
  if (missing.length > 0) out.tags = [...tags, ...structuredClone(missing)];
  if (Object.keys(components).length === 0) delete out.components;
  return out;
}

/**
 * The document to serve: `source` is the project's `openapi.yaml` (a file URL or path), or a
 * document object (services generated before the runtime served the file embedded one).
 */
export async function loadOpenApi(source: URL | string | Node): Promise<Node> {
  const doc = typeof source === 'string' || source instanceof URL ? await readDocument(source) : source;
  return bundleOperations(doc, await operationsDocument());
}

async function readDocument(file: URL | string): Promise<Node> {
  try {
    const doc = parse(await readFile(file, 'utf8')) as unknown;
    if (!isObject(doc)) throw new Error('not a YAML mapping');
    return doc;
  } catch (err) {
    const path = file instanceof URL ? file.pathname : file;
    throw new Error(`cannot read the service's OpenAPI document ${path} (${(err as Error).message}): "mlgen sync" writes openapi.yaml at the project root and the Dockerfile copies it into the image`);
  }
}
