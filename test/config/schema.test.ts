/**
 * The schema is the source of truth: it compiles with plain ajv, documents every key, rejects
 * unknown keys everywhere, every key it defines reaches the ServiceModel, and the committed
 * config reference is generated from it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/index.js';
import { RESERVED_PATHS } from '../../src/config/rules-endpoint.js';
import { SCHEMA_ANNOTATIONS, type SchemaNode, configSchema, resolveRef } from '../../src/config/schema.js';
import { PATHS } from '../../runtime/src/names.js';

/** Every key the schema defines is set here (to a non-default value where one exists). */
const FULL_YAML = `apiVersion: mlservice/v1
service:
  name: full
  description: Every key set
  owner: team-a
  contact: {name: Team A, email: a@example.com, url: "https://example.com/a"}
  license: {name: Apache 2.0, identifier: Apache-2.0}
  version: 2.0.0
models:
  - {name: m1, source: "models:/m/1", runtime: onnx, outputs: [y]}
  - {name: m2, source: "models:/m@champion"}
endpoints:
  - name: e1
    path: /v2/e1
    description: First
    input: {type: object, properties: {uid: {type: string}}}
    output: {type: object}
    ab:
      experiment: exp
      salt: s
      unit: uid
      variants:
        - {name: a, model: m1, weight: 50}
        - {name: b, model: m2, weight: 50}
      missingUnit: {variant: a}
      overrideHeader: x-force
    batching: {enabled: true, maxBatchSize: 8, maxLatencyMs: 2, maxQueueRows: 99, queueBudgetMs: 250}
    examples: [{uid: u}]
  - name: e2
    model: m1
    input: {type: object}
    output: {type: object}
server:
  port: 9090
  bodyLimitBytes: 2048
  shutdownGraceMs: 500
  auth: {type: apiKey, header: x-key, secretName: full-keys, secretKey: e1}
deploy:
  image: {registry: r.example.com, repository: t/full, base: "node:22-bookworm-slim", buildBase: "node:22-bookworm"}
  kubernetes:
    namespace: ns
    replicas: {min: 3, max: 5}
    targetCpuUtilization: 60
    resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {cpu: "1", memory: 2Gi}}
    minAvailable: 2
    serviceMonitor: true
    networkPolicy: true
  spinnaker:
    application: app
    account: acc
    canary: {lifetime: PT1H, intervalMinutes: 20, pass: 95, marginal: 80, replicas: 2}
`;

/** Where FULL_YAML sets a key, when not in the first list item. */
const CONCRETE: Record<string, string> = { 'endpoints[].model': 'endpoints.1.model' };
/** Keys that exclude a key FULL_YAML sets: checked in a copy of FULL_YAML with that key swapped for them. */
const SWAPPED: Record<string, [from: string, to: string]> = {
  'service.license.url': ['identifier: Apache-2.0', 'url: "https://www.apache.org/licenses/LICENSE-2.0"'],
};
/** Keys that reach the model under another shape: where the model keeps the written value. */
const RESHAPED: Record<string, string> = { 'models[].source': 'models.0.source.uri', 'server.auth.secretName': 'server.auth.secret.name', 'server.auth.secretKey': 'server.auth.secret.key' };

type Row = [path: string, node: SchemaNode];

function keyPaths(node: SchemaNode, path = '', out: Row[] = []): Row[] {
  const n = resolveRef(node);
  if (path) out.push([path, n]);
  if (path.endsWith('.input') || path.endsWith('.output')) return out; // user-written JSON Schemas
  const items = n.type === 'array' && n.items ? resolveRef(n.items as SchemaNode) : undefined;
  if (items?.properties) return keyPaths(items, `${path}[]`, out);
  for (const [k, child] of Object.entries((n.properties as Record<string, SchemaNode>) ?? {})) keyPaths(child, path ? `${path}.${k}` : k, out);
  return out;
}

function valueAt(root: unknown, path: string): unknown {
  return (CONCRETE[path] ?? path.replace(/\[\]/g, '.0')).split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], root);
}

describe('schemas/mlservice.schema.json', () => {
  // ajv's strict mode (its default) refuses keywords it does not know, `x-fix` included, unless
  // they are declared: https://ajv.js.org/strict-mode.html#prohibit-ignored-keywords
  it('compiles with ajv defaults (draft 2020-12) once the x-fix annotation is declared', () => {
    const ajv = new Ajv2020({ allowUnionTypes: true, validateFormats: false });
    ajv.addVocabulary([...SCHEMA_ANNOTATIONS]);
    expect(typeof ajv.compile(configSchema())).toBe('function');
  });

  it('has $id, title and a description on every key', () => {
    const schema = configSchema();
    expect(schema.$id).toBe('https://mlgen.dev/schemas/mlservice/v1/mlservice.schema.json');
    expect(schema.title).toBe('mlservice.yaml');
    const undocumented = keyPaths(schema).filter(([, n]) => typeof n.description !== 'string' || n.description === '');
    expect(undocumented.map(([p]) => p)).toEqual([]);
  });

  it('rejects unknown keys in every mapping it defines', () => {
    const open = keyPaths(configSchema())
      .filter(([p, n]) => [n.type].flat().includes('object') && !p.endsWith('.input') && !p.endsWith('.output'))
      .filter(([, n]) => n.additionalProperties !== false);
    expect(open.map(([p]) => p)).toEqual([]);
  });

  it('every key reaches the ServiceModel (FULL_YAML sets them all)', () => {
    const raw = parse(FULL_YAML);
    const model = parseConfigText(FULL_YAML, 'full.yaml');
    const leaves = keyPaths(configSchema()).filter(([p, n]) => !(n.properties || (n.items && resolveRef(n.items as SchemaNode).properties)) || p.endsWith('missingUnit'));
    for (const [path] of leaves) {
      const swap = SWAPPED[path];
      const yaml = swap ? FULL_YAML.replace(swap[0], swap[1]) : FULL_YAML;
      const want = valueAt(swap ? parse(yaml) : raw, path);
      expect([path, want === undefined ? 'set in FULL_YAML' : 'ok']).toEqual([path, 'ok']);
      const have = valueAt(swap ? parseConfigText(yaml, 'full.yaml') : model, RESHAPED[path] ?? path);
      expect([path, have]).toEqual([path, want]);
    }
  });

  it('reserved endpoint paths are the ones the runtime serves', () => {
    expect([...RESERVED_PATHS].sort()).toEqual(Object.values(PATHS).sort());
  });
});

describe('src/config/raw.generated.ts (the type of mlservice.yaml as written)', () => {
  it('is generated from the schema as it is now (npm run types:config)', () => {
    const r = spawnSync(process.execPath, ['scripts/gen-config-type.mjs', '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('changes with the schema, so a schema change without regenerating fails the check above', async () => {
    const { renderConfigType } = (await import('../../scripts/gen-config-type.mjs')) as { renderConfigType: (s: unknown) => Promise<string> };
    const schema = structuredClone(configSchema()) as { properties: { deploy: { properties: { kubernetes: { properties: Record<string, unknown> } } } } };
    schema.properties.deploy.properties.kubernetes.properties.priorityClassName = { description: 'A new key.', type: 'string' };
    const text = await renderConfigType(schema);
    expect(text).not.toBe(readFileSync('src/config/raw.generated.ts', 'utf8'));
    expect(text).toContain('      priorityClassName?: string;\n');
  });
});

describe('docs/config-reference.md', () => {
  it('is generated from the schema (npm run docs:config)', () => {
    const r = spawnSync(process.execPath, ['scripts/gen-config-reference.mjs', '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
