/**
 * The generated OpenAPI documents must pass real linters, run through their CLIs the way CI and
 * users run them: Spectral's `spectral:oas` ruleset (`.spectral.yaml`), failing on warnings too,
 * and Redocly's `recommended` ruleset (0 errors; the only warning is `info-license` when
 * `service.license` is not set, documented in the README).
 * @see https://redocly.com/docs/cli/rules/recommended
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { ServiceModel } from '../../src/config/model.js';
import { emitOpenApi } from '../../src/emit/openapi.js';
import { abModel, minimalModel } from '../support/fixtures.js';
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
  const out = await run(bin, args, { cwd: root, env }).then((r) => r.stdout, (e: { stdout?: string }) => e.stdout ?? '');
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

  it('reports no errors and no warnings for every fixture model and every example', async () => {
    const files = [];
    for (const [name, make] of cases) {
      const file = join(dir, `${name}.yaml`);
      await writeFile(file, emitOpenApi(make())[0]!.content);
      files.push(file);
    }
    // The committed examples, loaded the way `mlgen sync` loads them.
    for (const name of (await readdir(join(root, 'examples'))).sort()) {
      const { model } = await loadConfig(join(root, 'examples', name, 'mlservice.yaml'));
      const file = join(dir, `example-${name}.yaml`);
      await writeFile(file, emitOpenApi(model)[0]!.content);
      files.push(file);
    }
    expect(files.length).toBeGreaterThanOrEqual(cases.length + 3);
    const result = await spectral(files);
    expect(result.out).toContain('No results with a severity of \'warn\' or higher found!');
    expect(result.code).toBe(0);
  });

  it('catches a broken document (the linter is really running)', async () => {
    const file = join(dir, 'broken.yaml');
    const broken = emitOpenApi(minimalModel())[0]!.content.replace('operationId: score', 'operationId: getMetrics');
    await writeFile(file, broken);
    const result = await spectral([file]);
    expect(result.code).toBe(1);
    expect(result.out).toContain('operation-operationId-unique');
  });
});

describe('redocly lint --extends=recommended', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlgen-redocly-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(readdirSync(join(root, 'examples')).sort())('examples/%s/openapi.yaml: no errors; a warning only for a missing license', async (name) => {
    const file = join(root, 'examples', name, 'openapi.yaml');
    const { model } = await loadConfig(join(root, 'examples', name, 'mlservice.yaml'));
    const report = await redocly(file);
    expect(findings(report)).toEqual(model.service.license ? [] : ['warn info-license #/info']);
    expect(report.totals.errors).toBe(0);
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
    const doc = emitOpenApi(minimalModel())[0]!.content.replace(/^security: \[\]\n/m, '').replace('      security: []\n', '');
    const file = join(dir, 'no-security.yaml');
    await writeFile(file, doc);
    const report = await redocly(file);
    expect(findings(report).filter((f) => f.startsWith('error'))).toEqual(['error security-defined #/paths/~1v1~1score/post', 'error security-defined #/paths/~1livez/get']);
  });
});
