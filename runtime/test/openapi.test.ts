/**
 * The runtime's own OpenAPI document (`openapi.yaml`: operational routes, Problem, shared answers)
 * and how a served document is made from a project's file: references into it resolved, its
 * routes added. The linters and `redocly bundle` check the same against real generated documents
 * in test/emit/openapi-lint.test.ts.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MAX_FIELD_ERRORS } from '../src/errors.js';
import { OPENAPI_OPERATIONS_REF, PATHS } from '../src/names.js';
import { bundleOperations, loadOpenApi, operationsDocument } from '../src/openapi.js';
import { PROBLEM_CATALOGUE, problemType, type ProblemCode } from '../src/problem-codes.js';

type Doc = Record<string, any>;

const fragment = parse(readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8')) as Doc;
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; exports: Record<string, unknown>; files: string[] };

/** A project document as mlgen writes one: a route whose answers refer to the runtime's document. */
function projectDoc(): Doc {
  const own = (kind: string, name: string) => ({ $ref: `${OPENAPI_OPERATIONS_REF}#/components/${kind}/${name}` });
  return {
    openapi: '3.1.0',
    info: { title: 'scorer', version: '1.0.0' },
    tags: [{ name: 'inference', description: 'Model predictions.' }],
    paths: { '/v1/score': { post: { tags: ['inference'], responses: { '400': own('responses', 'BadRequest'), '413': { $ref: '#/components/responses/PayloadTooLarge' } } } } },
    components: { responses: { PayloadTooLarge: { description: 'Too large.', content: { 'application/problem+json': { schema: own('schemas', 'Problem') } } } } },
  };
}

describe("the runtime's openapi.yaml", () => {
  it('is what the runtime reads, ships in the package and carries its version', async () => {
    expect(await operationsDocument()).toEqual(fragment);
    expect(fragment.info.version).toBe(pkg.version);
    expect(pkg.files).toContain('openapi.yaml');
    expect(pkg.exports['./openapi.yaml']).toBe('./openapi.yaml');
    expect(OPENAPI_OPERATIONS_REF).toBe('./node_modules/@mlservice/runtime/openapi.yaml');
  });

  it('documents exactly the operational paths the server answers, open to everyone', () => {
    expect(Object.keys(fragment.paths)).toEqual([PATHS.live, PATHS.ready, PATHS.metrics, PATHS.metadata]);
    for (const item of Object.values(fragment.paths) as Doc[]) expect([Object.keys(item), item.get.security]).toEqual([['get'], []]);
  });

  it('lists every catalogued problem type as an example of Problem.type, and caps errors as the runtime does', () => {
    expect(fragment.components.schemas.Problem.properties.type.examples).toEqual((Object.keys(PROBLEM_CATALOGUE) as ProblemCode[]).map(problemType));
    expect(fragment.components.schemas.Problem.properties.errors.maxItems).toBe(MAX_FIELD_ERRORS);
  });
});

describe('bundleOperations', () => {
  it('adds the runtime routes and tag, copies every component they and the references need, and makes references local', () => {
    const served = bundleOperations(projectDoc(), fragment);
    expect(Object.keys(served.paths as Doc)).toEqual(['/v1/score', PATHS.live, PATHS.ready, PATHS.metrics, PATHS.metadata]);
    expect((served.paths as Doc)[PATHS.live]).toEqual(fragment.paths[PATHS.live]);
    expect((served.paths as Doc)['/v1/score'].post.responses['400']).toEqual({ $ref: '#/components/responses/BadRequest' });
    expect((served.components as Doc).responses.PayloadTooLarge.content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    // Exactly the components reachable from the document: nothing unused is copied.
    expect(Object.keys((served.components as Doc).schemas).sort()).toEqual(['HealthStatus', 'Problem', 'ServiceMetadata']);
    expect(Object.keys((served.components as Doc).responses).sort()).toEqual(['BadRequest', 'InternalError', 'NotFound', 'PayloadTooLarge', 'ServiceUnavailable']);
    expect((served.components as Doc).headers).toEqual({ RetryAfter: fragment.components.headers.RetryAfter });
    expect((served.tags as Doc[]).map((t) => t.name)).toEqual(['inference', 'operations']);
    expect(JSON.stringify(served)).not.toContain('node_modules');
  });

  it('leaves the project document unchanged and gives the same result twice', () => {
    const doc = projectDoc();
    const copy = structuredClone(doc);
    const once = bundleOperations(doc, fragment);
    expect(doc).toEqual(copy);
    expect(bundleOperations(doc, fragment)).toEqual(once);
    expect(bundleOperations(once, fragment)).toEqual(once);
  });

  it('keeps a route a document already describes (documents embedded by services generated before)', () => {
    const doc = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { [PATHS.live]: { get: { operationId: 'mine', responses: {} } } } };
    const served = bundleOperations(doc, fragment) as Doc;
    expect(served.paths[PATHS.live]).toEqual({ get: { operationId: 'mine', responses: {} } });
    expect(Object.keys(served.paths)).toEqual([PATHS.live, PATHS.ready, PATHS.metrics, PATHS.metadata]);
  });

  it('refuses a reference the runtime does not have, and a component of the same name with other content', () => {
    const missing = projectDoc();
    missing.paths['/v1/score'].post.responses['400'] = { $ref: `${OPENAPI_OPERATIONS_REF}#/components/responses/Gone` };
    expect(() => bundleOperations(missing, fragment)).toThrow("openapi.yaml refers to #/components/responses/Gone, which @mlservice/runtime's openapi.yaml does not have");
    const clash = projectDoc();
    clash.components.schemas = { Problem: { type: 'string' } };
    expect(() => bundleOperations(clash, fragment)).toThrow("openapi.yaml defines components.schemas.Problem, which @mlservice/runtime's operations need under that name");
  });

  it('recognises the reference from any node_modules location', () => {
    const doc = projectDoc();
    doc.paths['/v1/score'].post.responses['400'] = { $ref: '../../node_modules/@mlservice/runtime/openapi.yaml#/components/responses/BadRequest' };
    expect((bundleOperations(doc, fragment).paths as Doc)['/v1/score'].post.responses['400']).toEqual({ $ref: '#/components/responses/BadRequest' });
  });
});

describe('loadOpenApi', () => {
  it('reads the project file (a URL or a path) and serves it bundled', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mlservice-openapi-'));
    try {
      const file = join(dir, 'openapi.yaml');
      await writeFile(file, JSON.stringify(projectDoc()));
      const want = bundleOperations(projectDoc(), fragment);
      expect(await loadOpenApi(new URL(`file://${file}`))).toEqual(want);
      expect(await loadOpenApi(file)).toEqual(want);
      expect(await loadOpenApi(projectDoc())).toEqual(want);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('loadOpenApi on a missing or broken file', () => {
  it('says which file and where it comes from', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mlservice-openapi-'));
    try {
      await expect(loadOpenApi(join(dir, 'openapi.yaml'))).rejects.toThrow(
        `cannot read the service's OpenAPI document ${join(dir, 'openapi.yaml')} (ENOENT: no such file or directory, open '${join(dir, 'openapi.yaml')}'): "mlgen sync" writes openapi.yaml at the project root and the Dockerfile copies it into the image`,
      );
      await writeFile(join(dir, 'list.yaml'), '- a\n');
      await expect(loadOpenApi(join(dir, 'list.yaml'))).rejects.toThrow('(not a YAML mapping)');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
