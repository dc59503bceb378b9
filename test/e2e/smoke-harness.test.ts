/**
 * `@mlservice/runtime/testing`, the harness every generated `test/smoke.test.mjs` calls, run the
 * way a generated project runs it (`node --test`) against a stand-in service: it waits for
 * readiness, passes a case answered 200 with JSON, fails a case answered otherwise (naming the
 * path and the answer), and fails when the service exits before it is ready. The real generated
 * services pass it in test/e2e/service.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRuntime } from '../../testkit/service-project.js';

const run = promisify(execFile);

/** A service that is ready after a few polls; `/v1/ok` answers 200 JSON, `/v1/broken` 500. */
const SERVICE = `import { createServer } from 'node:http';
let polls = 0;
createServer((req, res) => {
  if (req.url === '/readyz') return res.writeHead(++polls > 3 ? 200 : 503).end();
  let body = '';
  req.on('data', (c) => (body += c)).on('end', () => {
    if (req.url === '/v1/ok') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: JSON.parse(body) }));
    res.writeHead(500, { 'content-type': 'application/problem+json' }).end('{"type":"urn:mlservice:problem:internal"}');
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

async function nodeTest(dir: string, file: string): Promise<{ code: number; tap: string }> {
  return run(process.execPath, ['--test', '--test-reporter=tap', file], { cwd: dir }).then(
    (r) => ({ code: 0, tap: r.stdout }),
    (e: { code?: number; stdout?: string }) => ({ code: e.code ?? -1, tap: e.stdout ?? '' }),
  );
}

describe('the smoke harness of @mlservice/runtime/testing, under node --test', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlgen-smoke-'));
    await mkdir(join(dir, 'node_modules/@mlservice'), { recursive: true });
    await symlink(await buildRuntime(), join(dir, 'node_modules/@mlservice/runtime'), 'dir');
    await mkdir(join(dir, 'dist'));
    await writeFile(join(dir, 'dist/main.js'), SERVICE);
    await writeFile(join(dir, 'dist/exits.js'), 'process.exit(3);\n');
    await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('passes the cases the service answers with 200 JSON', async () => {
    await writeFile(join(dir, 'ok.test.mjs'), `import { smokeTest } from '@mlservice/runtime/testing';\nsmokeTest([{ path: '/v1/ok', example: { a: 1 } }]);\n`);
    const { code, tap } = await nodeTest(dir, 'ok.test.mjs');
    expect([code, tap.match(/^(?:not )?ok \d+ - .*$/gm)]).toEqual([0, ['ok 1 - POST /v1/ok answers its first example']]);
  });

  it('fails a case answered with anything else, with the status and body', async () => {
    await writeFile(join(dir, 'broken.test.mjs'), `import { smokeTest } from '@mlservice/runtime/testing';\nsmokeTest([{ path: '/v1/ok', example: {} }, { path: '/v1/broken', example: {} }]);\n`);
    const { code, tap } = await nodeTest(dir, 'broken.test.mjs');
    expect(code).toBe(1);
    expect(tap.match(/^(?:not )?ok \d+ - .*$/gm)).toEqual(['ok 1 - POST /v1/ok answers its first example', 'not ok 2 - POST /v1/broken answers its first example']);
    expect(tap).toContain('urn:mlservice:problem:internal');
  });

  it('fails when the service exits before it is ready', async () => {
    await writeFile(join(dir, 'exits.test.mjs'), `import { smokeTest } from '@mlservice/runtime/testing';\nsmokeTest([{ path: '/v1/ok', example: {} }], { entry: 'dist/exits.js' });\n`);
    const { code, tap } = await nodeTest(dir, 'exits.test.mjs');
    expect(code).toBe(1);
    expect(tap).toContain('the service exited before it was ready');
  });
});
