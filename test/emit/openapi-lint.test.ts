/**
 * The generated OpenAPI documents must pass real linters, run through their CLIs the way CI and
 * users run them: Spectral's `spectral:oas` ruleset (`.spectral.yaml`), failing on warnings too,
 * and Redocly's `recommended` ruleset (0 errors; the only warning is `info-license` when
 * `service.license` is not set, documented in the README). Both forms are linted: the committed
 * file, which refers to @mlservice/runtime's `openapi.yaml` through `node_modules` (linked here as
 * `npm ci` installs it), and the document the service serves (the runtime's bundle of the two),
 * which must also equal what `redocly bundle` makes of them.
 * @see https://redocly.com/docs/cli/rules/recommended
 * @see https://redocly.com/docs/cli/commands/bundle
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import type { ServiceModel } from '../../src/config/model.js';
import { buildOpenApi, emitOpenApi } from '../../src/emit/openapi.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { linkRuntimePackage, runtimeDocument, servedDocument } from '../support/openapi-served.js';
import { hostileModel } from './openapi-hostile.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

async function spectral(files: string[]): Promise<{ code: number; out: string }> {
  const bin = join(root, 'node_modules', '.bin', 'spectral');
  const args = ['lint', '--fail-severity=warn', '--format=text', '--ruleset', join(root, '.spectral.yaml'), ...files];
  try {
    const { stdout } = await run(bin, args, { cwd: root });
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

interface RedoclyReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>;
}

/** `redocly lint --extends=recommended` on one file, its JSON report. */
async function redocly(file: string): Promise<RedoclyReport> {
  const bin = join(root, 'node_modules', '.bin', 'redocly');
  const args = ['lint', '--extends=recommended', '--format=json', file];
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', NO_COLOR: '1' };
  const out = await run(bin, args, { cwd: root, env }).then(
    (r) => r.stdout,
    (e: { stdout?: string }) => e.stdout ?? '',
  );
  return JSON.parse(out) as RedoclyReport;
}

/** `rule pointer` per problem, so a failure shows what Redocly reported and where. */
function findings(report: RedoclyReport): string[] {
  return report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? ''}`);
}

/** `server.auth` on: a bearer token for the minimal service, an API key for the A/B one. */
function bearerModel(): ServiceModel {
  const m = minimalModel();
  m.server.auth = { type: 'bearer', secret: { name: 'scorer-auth', key: 'token' } };
  return m;
}

function apiKeyModel(): ServiceModel {
  const m = multiEndpointModel();
  m.server.auth = { type: 'apiKey', header: 'x-api-key', secret: { name: 'reco-keys', key: 'activity-ranker' } };
  return m;
}

function multiEndpointModel(): ServiceModel {
  const m = abModel();
  const single = minimalModel().endpoints[0]!;
  m.models.push(minimalModel().models[0]!);
  m.endpoints.push({ ...single, name: 'score-items', path: '/v2/score-items', description: 'Scores: items # fast' });
  m.endpoints[0]!.examples.push({ activity_ids: [1], user_id: 'u-2' });
  return m;
}

describe('spectral lint of the generated openapi.yaml', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlgen-openapi-'));
    await linkRuntimePackage(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, () => ServiceModel]> = [
    ['minimal', minimalModel],
    ['ab', abModel],
    ['multi-endpoint', multiEndpointModel],
    ['hostile', hostileModel],
    ['bearer-auth', bearerModel],
    ['api-key-auth', apiKeyModel],
  ];

  it('reports no errors and no warnings for every fixture model and every example, committed and served', async () => {
    const files = [];
    for (const [name, make] of cases) {
      const file = join(dir, `${name}.yaml`);
      await writeFile(file, emitOpenApi(make())[0]!.content);
      await writeFile(join(dir, `${name}.served.json`), JSON.stringify(servedDocument(buildOpenApi(make()))));
      files.push(file, join(dir, `${name}.served.json`));
    }
    // The committed examples, loaded the way `mlgen sync` loads them.
    for (const name of (await readdir(join(root, 'examples'))).sort()) {
      const { model } = await loadConfig(join(root, 'examples', name, 'mlservice.yaml'));
      const file = join(dir, `example-${name}.yaml`);
      await writeFile(file, emitOpenApi(model)[0]!.content);
      files.push(file);
    }
    expect(files.length).toBeGreaterThanOrEqual(2 * cases.length + 3);
    const result = await spectral(files);
    expect(result.out).toContain("No results with a severity of 'warn' or higher found!");
    expect(result.code).toBe(0);
  });

  it('catches a broken document (the linter is really running)', async () => {
    const file = join(dir, 'broken.json');
    const served = servedDocument(buildOpenApi(minimalModel())) as { paths: Record<string, { post?: { operationId: string } }> };
    served.paths['/v1/score']!.post!.operationId = 'getMetrics';
    await writeFile(file, JSON.stringify(served));
    const result = await spectral([file]);
    expect(result.code).toBe(1);
    expect(result.out).toContain('operation-operationId-unique');
  });
});

describe('redocly lint --extends=recommended', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlgen-redocly-'));
    await linkRuntimePackage(dir);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(readdirSync(join(root, 'examples')).sort())('examples/%s/openapi.yaml: no errors; a warning only for a missing license', async (name) => {
    // The committed file, in a project directory where npm installed the runtime.
    const file = join(dir, `example-${name}.yaml`);
    await copyFile(join(root, 'examples', name, 'openapi.yaml'), file);
    const { model } = await loadConfig(join(root, 'examples', name, 'mlservice.yaml'));
    const report = await redocly(file);
    expect(findings(report)).toEqual(model.service.license ? [] : ['warn info-license #/info']);
    expect(report.totals.errors).toBe(0);
    const served = join(dir, `example-${name}.served.json`);
    await writeFile(served, JSON.stringify(servedDocument(parse(await readFile(file, 'utf8')))));
    expect(findings(await redocly(served))).toEqual(model.service.license ? [] : ['warn info-license #/info']);
  });

  it("the runtime's openapi.yaml: no errors; warnings only for the answers it holds for generated documents", async () => {
    const report = await redocly(join(root, 'runtime/openapi.yaml'));
    const unused = ['BadRequest', 'UnsupportedMediaType', 'NonFiniteOutput', 'TooManyRequests', 'PredictionUnavailable'];
    expect(findings(report)).toEqual(unused.map((n) => `warn no-unused-components #/components/responses/${n}`));
  });

  it.each(readdirSync(join(root, 'examples')).sort())("examples/%s: the served document is exactly what `redocly bundle` makes of the file and the runtime's routes", async (name) => {
    // Redocly's input: the committed file plus the runtime's routes as path-item references and their tag.
    const doc = parse(await readFile(join(root, 'examples', name, 'openapi.yaml'), 'utf8')) as Record<string, any>;
    const runtime = runtimeDocument() as Record<string, any>;
    const oracle = structuredClone(doc);
    for (const path of Object.keys(runtime.paths)) oracle.paths[path] = { $ref: `./node_modules/@mlservice/runtime/openapi.yaml#/paths/${path.replace(/\//g, '~1')}` };
    oracle.tags.push(...runtime.tags);
    await writeFile(join(dir, `oracle-${name}.yaml`), stringify(oracle));
    const bin = join(root, 'node_modules', '.bin', 'redocly');
    await run(bin, ['bundle', join(dir, `oracle-${name}.yaml`), '-o', join(dir, `bundled-${name}.json`)], { cwd: root, env: { ...process.env, REDOCLY_TELEMETRY: 'off' } });
    const bundled = JSON.parse(await readFile(join(dir, `bundled-${name}.json`), 'utf8')) as object;
    expect(servedDocument(doc)).toEqual(bundled);
  });

  it.each([
    ['minimal', minimalModel],
    ['ab', abModel],
    ['multi-endpoint', multiEndpointModel],
    ['hostile', hostileModel],
    ['bearer-auth', bearerModel],
    ['api-key-auth', apiKeyModel],
  ] as const)('fixture %s with a license: no errors, no warnings', async (name, make) => {
    const m = make();
    m.service.license = { name: 'Apache 2.0', identifier: 'Apache-2.0' };
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, emitOpenApi(m)[0]!.content);
    expect(findings(await redocly(file))).toEqual([]);
  });

  it('reports security-defined as an error when an operation states no security (the linter is really running)', async () => {
    const doc = emitOpenApi(minimalModel())[0]!.content.replace(/^security: \[\]\n/m, '');
    const file = join(dir, 'no-security.yaml');
    await writeFile(file, doc);
    const report = await redocly(file);
    expect(findings(report).filter((f) => f.startsWith('error'))).toEqual(['error security-defined #/paths/~1v1~1score/post']);
    const served = servedDocument(buildOpenApi(minimalModel())) as { security?: unknown; paths: Record<string, { get?: { security?: unknown } }> };
    delete served.security;
    delete served.paths['/livez']!.get!.security;
    await writeFile(join(dir, 'no-security.json'), JSON.stringify(served));
    expect(findings(await redocly(join(dir, 'no-security.json'))).filter((f) => f.startsWith('error'))).toEqual([
      'error security-defined #/paths/~1v1~1score/post',
      'error security-defined #/paths/~1livez/get',
    ]);
  });
});
