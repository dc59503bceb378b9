/**
 * `npm run demo`: the whole path a team takes, on the bundled recommender example, offline.
 *
 * 1. copies examples/recommender to a temp dir and checks its committed output is in sync;
 * 2. builds two small real ONNX rankers and serves them from a local MLflow-compatible registry
 *    stand-in (testkit/mlflow-stub.ts: MLflow's documented REST API, NOT a real MLflow server,
 *    which cannot be installed here), then runs `mlgen models pull` against it;
 * 3. compiles the generated service, starts it, sends real ranking requests for a few users and
 *    prints each user's sticky A/B variant and scores, the /metadata identity and the docs URL.
 * On a terminal it keeps serving until Ctrl+C; otherwise it stops after printing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MlflowStub } from '../testkit/mlflow-stub.js';
import { EXAMPLE_MODELS } from '../testkit/example-models.js';
import { buildMlp, writeMlflowModelDir } from '../testkit/onnx-builder.js';
import { freePort } from '../testkit/net.js';

const REPO = path.resolve(import.meta.dirname, '..');
const EXAMPLE = path.join(REPO, 'examples/recommender');
const say = (s = ''): boolean => process.stdout.write(`${s}\n`);

/** Runs the built CLI as a child process (async: the registry stand-in serves from this process). */
async function mlgen(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  say(`$ mlgen ${args.join(' ')}`);
  const child = spawn(process.execPath, [path.join(REPO, 'bin/mlgen.js'), ...args], { cwd, stdio: 'inherit', env: { ...process.env, ...env } });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`mlgen ${args.join(' ')} exited with ${code}`);
}

/** Two registry versions of `activity-ranker` (12 = control, 13 = @challenger) as MLflow stores them. */
async function startRegistry(work: string): Promise<MlflowStub> {
  const artifactsRoot = path.join(work, '.demo-registry');
  const stub = new MlflowStub({ artifactsRoot });
  const models = EXAMPLE_MODELS.recommender!;
  for (const [version, model, runId] of [
    ['12', 'ranker-control', 'a1b2c3d4e5f60718293a4b5c6d7e8f90'],
    ['13', 'ranker-treatment', 'f0e1d2c3b4a5968778695a4b3c2d1e0f'],
  ] as const) {
    // The rankers the example's src/hooks.ts is written for (24 features per candidate).
    const bytes = buildMlp(models[model]!);
    await writeMlflowModelDir(path.join(artifactsRoot, '1', runId, 'artifacts', 'model'), bytes, { runId });
    stub.addVersion({ name: 'activity-ranker', version, status: 'READY', runId, artifactUri: `mlflow-artifacts:/1/${runId}/artifacts/model` });
  }
  stub.setAlias('activity-ranker', 'challenger', '13');
  return stub;
}

async function waitReady(url: string, child: ReturnType<typeof spawn>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the service did not become ready in 30 s');
}

async function rank(url: string, body: unknown): Promise<{ variant: string; scores: number[] }> {
  const res = await fetch(`${url}/v1/rank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { scores: number[] };
  if (!res.ok) throw new Error(`POST /v1/rank answered ${res.status}: ${JSON.stringify(json)}`);
  return { variant: res.headers.get('x-mlservice-variant') ?? '?', scores: json.scores };
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'mlgen-demo-'));
  say(`== 1. examples/recommender -> ${work}`);
  cpSync(EXAMPLE, work, { recursive: true, filter: (src) => !/[/\\](node_modules|dist|models)([/\\]|$)/.test(path.relative(EXAMPLE, src)) });
  await mlgen(work, ['sync']);

  say('\n== 2. models from the registry (local MLflow REST stand-in, not a real MLflow server)');
  const registry = await startRegistry(work);
  const trackingUri = await registry.start();
  await mlgen(work, ['models', 'pull'], { MLFLOW_TRACKING_URI: trackingUri });
  await registry.close();

  say('\n== 3. build and serve the generated service');
  symlinkSync(path.join(REPO, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  execFileSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: work, stdio: 'inherit' });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const revision = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: work,
    env: { ...process.env, PORT: String(port), MLSERVICE_REVISION: revision, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const stop = (): void => {
    child.kill('SIGTERM');
  };
  try {
    await waitReady(url, child);
    const candidates = [12, 311, 77, 4040, 5];
    say(`\nPOST ${url}/v1/rank  candidates ${JSON.stringify(candidates)}`);
    const users: Array<[string, number[], 'mobile' | 'desktop']> = [
      ['u-1842', [311, 97, 4521], 'mobile'],
      ['u-77', [12, 12, 5], 'desktop'],
      ['u-9', [], 'mobile'],
      ['u-314', [4040, 77, 311, 12], 'desktop'],
      ['u-42', [97, 4521], 'mobile'],
      ['u-1001', [5], 'desktop'],
      ['u-1842', [311, 97, 4521], 'mobile'], // the same user again: the same variant (sticky)
    ];
    for (const [user, history, device] of users) {
      const { variant, scores } = await rank(url, { user_id: user, history, activity_ids: candidates, device });
      const best = candidates[scores.indexOf(Math.max(...scores))];
      say(`  ${user.padEnd(7)} variant ${variant.padEnd(9)} scores ${scores.map((s) => s.toFixed(4)).join(' ')}  best ${best}`);
    }
    const meta = (await (await fetch(`${url}/metadata`)).json()) as { models: Array<{ name: string; version: string; runId: string }> };
    say(`\n/metadata: ${meta.models.map((m) => `${m.name} v${m.version} (run ${m.runId.slice(0, 8)})`).join(', ')}`);
    say(`docs: ${url}/docs   openapi: ${url}/openapi.json   metrics: ${url}/metrics`);
    if (process.stdout.isTTY) {
      say('serving; press Ctrl+C to stop');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    stop();
    await new Promise((r) => child.once('exit', r));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`demo failed: ${(e as Error).message}\n`);
  process.exit(1);
});
