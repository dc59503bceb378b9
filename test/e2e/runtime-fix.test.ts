/**
 * A runtime fix reaches a generated service with no regeneration: the committed example project
 * (`examples/minimal`, models included) runs first on @mlservice/runtime as built from this
 * repository, then on a patch release of it (a copy of the package with a changed answer and a
 * changed line of its OpenAPI document, version 0.2.1, inside the project's `^0.2.0` range). The
 * project's files are not touched, `mlgen check` stays clean, and the running service shows the fix.
 * (`npm install` of the new version is a link here; test/container installs through a registry.)
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlgen, REPO, treeHashes } from '../support/cli.js';
import { spawnService } from '../support/live-service.js';
import { buildRuntime, linkDependencies, tsc } from '../../testkit/service-project.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const OLD_DETAIL = 'detail: `no route ${request.method} ${request.url}`';
const NEW_DETAIL = 'detail: `no route answers ${request.method} ${request.url} on this instance`';
const OLD_SUMMARY = 'summary: Liveness probe';
const NEW_SUMMARY = 'summary: Liveness probe (the process can serve)';

/**
 * A copy of the built runtime as its next patch release: one answer and one line of its document
 * changed. It sits beside the test build under the repo's node_modules, so its own dependencies
 * (fastify, onnxruntime-node ...) resolve as an installed package's would.
 */
async function patchRelease(): Promise<string> {
  const pkg = path.join(REPO, 'node_modules/.cache/mlgen-test-runtime-fix', String(process.pid));
  dirs.push(pkg);
  rmSync(pkg, { recursive: true, force: true });
  cpSync(await buildRuntime(), pkg, { recursive: true });
  const patch = (file: string, from: string, to: string) => {
    const text = readFileSync(path.join(pkg, file), 'utf8');
    expect(text.split(from).length, `${file} holds ${from} once`).toBe(2);
    writeFileSync(path.join(pkg, file), text.replace(from, to));
  };
  patch('dist/server.js', OLD_DETAIL, NEW_DETAIL);
  patch('openapi.yaml', OLD_SUMMARY, NEW_SUMMARY);
  patch('package.json', '"version": "0.2.0"', '"version": "0.2.1"');
  return pkg;
}

/** Compiles the project as `npm test` does and serves it until the checks are done. */
async function serve(dir: string): Promise<{ notFound: { detail: string }; livezSummary: string }> {
  expect(await tsc(dir, true)).toEqual({ code: 0, output: '' });
  const svc = await spawnService(dir);
  try {
    await svc.ready();
    const { base } = svc;
    const notFound = (await (await fetch(`${base}/v1/nothing`)).json()) as { detail: string };
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, { get: { summary: string } }> };
    return { notFound, livezSummary: doc.paths['/livez']!.get.summary };
  } finally {
    svc.child.kill('SIGTERM');
    await svc.exited;
  }
}

describe('a runtime fix reaches a generated project without regeneration (examples/minimal)', () => {
  let dir = '';
  let generated: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mlgen-runtime-fix-project-'));
    dirs.push(dir);
    cpSync(path.join(REPO, 'examples/minimal'), dir, { recursive: true });
    expect(mlgen(dir, ['check']).code).toBe(0);
    generated = treeHashes(dir);
    await linkDependencies(dir);
  });

  it('serves the new behaviour and document after the runtime update, with every project file unchanged and check clean', { timeout: 240_000 }, async () => {
    const before = await serve(dir);
    expect(before).toEqual({ notFound: expect.objectContaining({ detail: 'no route GET /v1/nothing' }), livezSummary: 'Liveness probe' });

    // The update: node_modules/@mlservice/runtime is now the patch release (what `npm update` does).
    const runtime = path.join(dir, 'node_modules/@mlservice/runtime');
    rmSync(runtime);
    symlinkSync(await patchRelease(), runtime, 'dir');
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies['@mlservice/runtime']).toBe('^0.2.0');

    const after = await serve(dir);
    expect(after).toEqual({
      notFound: expect.objectContaining({ detail: 'no route answers GET /v1/nothing on this instance' }),
      livezSummary: 'Liveness probe (the process can serve)',
    });
    rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
    rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
    expect(treeHashes(dir)).toEqual(generated);
    const check = mlgen(dir, ['check']);
    expect([check.code, check.stdout]).toEqual([0, 'Everything is in sync.\ncheck: in sync\n']);
  });
});
