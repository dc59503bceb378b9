/**
 * openapi-typescript 7, default options, on generated documents, for the schema shapes that trip
 * it: a request or response field with a `default` (it makes such properties required outside
 * request bodies, so a response type would promise a field the service may leave out)
 * and `$defs` references (it emits `$defs` as a required property and request-body references as
 * a type path through a `schema` key). A client file using the types must compile under
 * `tsc --strict` and must be refused where the request lacks a required field. The live examples
 * are called with such a client in test/e2e/examples.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitOpenApi } from '../../src/emit/openapi.js';
import { minimalModel } from '../../testkit/fixtures.js';
import { linkRuntimePackage } from '../support/openapi-served.js';
import { REPO } from '../../testkit/service-project.js';

const run = promisify(execFile);

async function result(cmd: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return run(cmd, args, { cwd }).then(
    (r) => ({ code: 0, output: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
  );
}

describe('openapi-typescript (default options) on a request with defaults and $defs', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlgen-oats-'));
    // The document refers to @mlservice/runtime's openapi.yaml; openapi-typescript resolves it from here.
    await linkRuntimePackage(dir);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps defaulted fields optional (request and response), resolves $defs, and still requires what `required` lists', async () => {
    const m = minimalModel();
    const row = { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 };
    m.endpoints[0]!.input = {
      type: 'object',
      required: ['features'],
      properties: {
        features: { $ref: '#/$defs/row' },
        history: { type: 'array', items: { type: 'integer' }, default: [] },
        options: { type: 'object', properties: { threshold: { type: 'number', default: 0.5 } } },
      },
      $defs: { row },
    };
    // A response field with a `default` the service does not have to send: openapi-typescript
    // would make it required; a required one stays required.
    m.endpoints[0]!.output = {
      type: 'object',
      required: ['score', 'model'],
      properties: {
        score: { type: 'number' },
        model: { type: 'string', default: 'scorer' },
        label: { type: 'string', default: 'none' },
        detail: { type: 'object', properties: { rank: { type: 'integer', default: 1 } } },
      },
    };
    await writeFile(join(dir, 'openapi.yaml'), emitOpenApi(m)[0]!.content);
    await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
    const generated = await result(join(REPO, 'node_modules/.bin/openapi-typescript'), ['openapi.yaml', '-o', 'api.d.ts'], dir);
    expect(generated.code, generated.output).toBe(0);
    await writeFile(
      join(dir, 'use.ts'),
      `import type { paths } from './api.js';
type Body = paths['/v1/score']['post']['requestBody'] extends { content: { 'application/json': infer B } } | undefined ? B : never;
export const minimal: Body = { features: [1, 2, 3, 4] };
export const full: Body = { features: [1, 2, 3, 4], history: [1], options: { threshold: 0.1 } };
const features: number[] = minimal.features;
// @ts-expect-error features is required
export const missing: Body = { history: [] };
// @ts-expect-error $defs is not a field of the request
export const defs: Body['$defs'] = undefined;
type Answer = paths['/v1/score']['post']['responses'][200]['content']['application/json'];
export const answer: Answer = { score: 1, model: 'scorer' };
export const nested: Answer = { score: 1, model: 'scorer', detail: {} };
// @ts-expect-error model is required, default or not
export const noModel: Answer = { score: 1 };
export { features };
`,
    );
    const compiled = await result(
      process.execPath,
      [join(REPO, 'node_modules/typescript/bin/tsc'), '--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'use.ts'],
      dir,
    );
    expect(compiled).toEqual({ code: 0, output: '' });
  });
});
