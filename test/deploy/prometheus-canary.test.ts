/**
 * The examples' canaries as prometheus-operator and Kayenta would see them, with real processes
 * and a real Prometheus (Debian's `prometheus` 2.42):
 * - the chart is baked per track with real Helm from the pipeline's own bake stages; each generated
 *   service process gets its track's rendered environment, and stands in for one pod with its
 *   rendered labels and container ports;
 * - Prometheus scrapes them with the config prometheus-operator generates for the rendered
 *   ServiceMonitor (test/support/prometheus-operator.ts: discovery through the rendered Service,
 *   the operator's relabelling, honor_labels as rendered), every second instead of the chart's 30 s;
 * - every query of canary-config.json is filled the way Kayenta's Prometheus provider fills it
 *   (test/support/kayenta.ts) and asked as a range query: canary and baseline must both have data;
 * - a recommender canary made bad on purpose (500s, slow, inputs shifted so the scores move) must
 *   move every metric the way its `direction` says the judge looks for.
 * Every example runs stable, canary and baseline in its own namespace; the bad canary runs in a
 * namespace of its own so it can be compared with the good baseline: Kayenta's scope has a
 * location per side (experimentLocation / controlLocation). One Prometheus scrapes them all.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import type { ServiceModel } from '../../src/config/model.js';
import { deployPipeline } from '../../src/emit/spinnaker-pipeline.js';
import { writeChart } from '../emit/helm-chart.js';
import { bake, type K8sObject, type Stage } from '../support/bake.js';
import { REPO } from '../support/cli.js';
import { EXAMPLE_MODELS } from '../../testkit/example-models.js';
import { finiteValues, kayentaPromQL, rangeQuery, type CanaryConfigJson, type CanaryMetric, type KayentaScope } from '../support/kayenta.js';
import { freePort } from '../../testkit/net.js';
import { buildMlp, writeMlflowModelDir } from '../../testkit/onnx-builder.js';
import { scrapeConfigs, type PodTarget } from '../support/prometheus-operator.js';

const EXAMPLES = Object.keys(EXAMPLE_MODELS).sort();
const BAD = { example: 'recommender', namespace: 'reco-bad' };
const TRAFFIC_MS = 14_000;
const STEP_SECONDS = 2;
const TSC = path.join(REPO, 'node_modules/typescript/bin/tsc');

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  children.forEach((c) => c.kill('SIGKILL'));
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true, maxRetries: 3 }));
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** The example copied with its models (unless it ships them), compiled with its own tsconfig. */
async function compiledExample(example: string): Promise<string> {
  const src = path.join(REPO, 'examples', example);
  const dir = tempDir(`mlgen-prom-${example}-`);
  cpSync(src, dir, { recursive: true, filter: (p) => !/[/\\](node_modules|dist)([/\\]|$)/.test(path.relative(src, p)) });
  for (const [name, opts] of Object.entries(EXAMPLE_MODELS[example]!)) {
    if (!existsSync(path.join(dir, 'models', name))) await writeMlflowModelDir(path.join(dir, 'models', name), buildMlp(opts), { runId: `run-${name}` });
  }
  symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const tsc = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(tsc.stdout + tsc.stderr);
  return dir;
}

/**
 * The same build with a bug a canary exists to catch: every request 30 ms slower, one in four
 * failing in preprocess (500), and every feature shifted by +10 (a units bug) so the scores move.
 */
function badBuild(good: string, endpoint: string): string {
  const dir = tempDir('mlgen-prom-bad-');
  cpSync(good, dir, { recursive: true, verbatimSymlinks: true });
  renameSync(path.join(dir, 'dist/hooks.js'), path.join(dir, 'dist/hooks.original.js'));
  writeFileSync(
    path.join(dir, 'dist/hooks.js'),
    [
      "import { hooks as original } from './hooks.original.js';",
      `const own = original[${JSON.stringify(endpoint)}];`,
      'let n = 0;',
      `export const hooks = { ...original, ${JSON.stringify(endpoint)}: { ...own, async preprocess(input, ctx) {`,
      '  await new Promise((r) => setTimeout(r, 30));',
      "  if (++n % 4 === 0) throw new Error('canary bug');",
      '  const rows = await own.preprocess(input, ctx);',
      '  return rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v.map((x) => x + 10)])));',
      '} } };',
      '',
    ].join('\n'),
  );
  return dir;
}

/** What CI sends to the deploy webhook for a later deploy (production exists). */
function triggerParams(model: ServiceModel): Record<string, string> {
  const params: Record<string, string> = {
    imageTag: '1111111111111111111111111111111111111111',
    baselineImageTag: '0000000000000000000000000000000000000000',
    gitSha: '1111111111111111111111111111111111111111',
    chartRepo: 'https://github.com/example/service.git',
    chartArtifactAccount: 'gitrepo',
    kayentaMetricsAccount: '',
    kayentaStorageAccount: '',
  };
  for (const m of model.models) {
    params[`modelVersion_${m.name}`] = '12';
    params[`modelRunId_${m.name}`] = `run-${m.name}`;
  }
  return params;
}

/** Every object the deploy pipeline's bakes render into `namespace` (first occurrence of each kind/name). */
function bakedObjects(model: ServiceModel, namespace: string): K8sObject[] {
  const chart = writeChart(model);
  const stages = (deployPipeline(model) as { stages: Stage[] }).stages.filter((s) => s.type === 'bakeManifest');
  const seen = new Map<string, K8sObject>();
  for (const stage of stages) {
    for (const o of bake(chart, { ...stage, namespace }, triggerParams(model))) {
      const key = `${o.kind}/${o.metadata.name}`;
      if (!seen.has(key)) seen.set(key, o);
    }
  }
  return [...seen.values()];
}

interface RunningPod extends PodTarget {
  url: string;
}

async function startPod(dir: string, deployment: K8sObject): Promise<RunningPod> {
  const port = await freePort();
  const template = deployment.spec.template;
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const e of template.spec.containers[0].env as Array<{ name: string; value: string }>) env[e.name] = e.value;
  // The process listens where this pod's IP and container port would be.
  Object.assign(env, { PORT: String(port), LOG_LEVEL: 'warn' });
  const child = spawn(process.execPath, ['dist/main.js'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (
    let i = 0;
    !(await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  ) {
    if (child.exitCode !== null || i > 600) throw new Error(`${deployment.metadata.name} did not become ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const name = `${deployment.metadata.name}-0`;
  return { name, namespace: deployment.metadata.namespace, labels: template.metadata.labels, containers: template.spec.containers, address: `127.0.0.1:${port}`, url };
}

async function startPrometheus(config: object): Promise<string> {
  const dir = tempDir('mlgen-prom-');
  writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
  const check = spawnSync('promtool', ['check', 'config', path.join(dir, 'prometheus.yml')], { encoding: 'utf8' });
  if (check.error) throw new Error('promtool/prometheus not found: apt-get install -y prometheus (bash .ci/run installs it)');
  if (check.status !== 0) throw new Error(check.stdout + check.stderr);
  const port = await freePort();
  const args = [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`];
  const child = spawn('prometheus', args, { stdio: 'ignore' });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  for (
    let i = 0;
    !(await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  ) {
    if (child.exitCode !== null || i > 300) throw new Error('prometheus did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return url;
}

/** Requests in a loop until `until`: the endpoint's first example, the A/B unit cycling through 200 users. */
async function drive(pod: RunningPod, endpoint: ServiceModel['endpoints'][number], until: number): Promise<void> {
  const example = endpoint.examples[0] as Record<string, unknown>;
  for (let sent = 0; Date.now() < until; sent++) {
    const body = endpoint.ab ? { ...example, [endpoint.ab.unit]: `user-${sent % 200}` } : example;
    await fetch(`${pod.url}${endpoint.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.arrayBuffer());
    await new Promise((r) => setTimeout(r, 20));
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const configOf = (example: string): CanaryConfigJson => JSON.parse(readFileSync(path.join(REPO, 'examples', example, 'deploy/spinnaker/canary-config.json'), 'utf8'));

interface Deployed {
  model: ServiceModel;
  /** The committed canary config: what `mlgen spinnaker install` puts into Kayenta. */
  config: CanaryConfigJson;
  pods: Record<string, RunningPod>;
}

describe('canary queries against a real Prometheus scraping as prometheus-operator configures it', () => {
  const deployed: Record<string, Deployed> = {};
  let prometheus = '';
  let window: { start: Date; end: Date };
  let bad: RunningPod;

  beforeAll(async () => {
    const objects: K8sObject[] = [];
    for (const example of EXAMPLES) {
      const model = (await loadConfig(path.join(REPO, 'examples', example, 'mlservice.yaml'))).model;
      const ns = model.deploy.kubernetes.namespace;
      const good = await compiledExample(example);
      const own = bakedObjects(model, ns);
      const deployment = (list: K8sObject[], track: string) => list.find((o) => o.kind === 'Deployment' && o.spec.template.metadata.labels.track === track)!;
      const pods: Record<string, RunningPod> = {};
      for (const track of ['stable', 'canary', 'baseline']) pods[track] = await startPod(good, deployment(own, track));
      objects.push(...own);
      deployed[example] = { model, config: configOf(example), pods };
      if (example === BAD.example) {
        const other = bakedObjects(model, BAD.namespace);
        bad = await startPod(badBuild(good, model.endpoints[0]!.name), deployment(other, 'canary'));
        objects.push(...other);
      }
    }
    const services = objects.filter((o) => o.kind === 'Service');
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    const pods = [...Object.values(deployed).flatMap((d) => Object.values(d.pods)), bad];
    const scrape_configs = monitors.flatMap((m) => scrapeConfigs(m, services, pods, { scrapeInterval: '1s' }));
    prometheus = await startPrometheus({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs });
    const start = new Date();
    const until = Date.now() + TRAFFIC_MS;
    await Promise.all([
      ...Object.values(deployed).flatMap((d) => Object.values(d.pods).map((p) => drive(p, d.model.endpoints[0]!, until))),
      drive(bad, deployed[BAD.example]!.model.endpoints[0]!, until),
    ]);
    await new Promise((r) => setTimeout(r, 2500)); // two more scrapes
    window = { start, end: new Date() };
  });

  it('scrapes exactly the running pods, each through its rendered Service and ServiceMonitor', async () => {
    const res = (await (await fetch(`${prometheus}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: Array<{ labels: Record<string, string>; health: string }> } };
    const targets = res.data.activeTargets.map((t) => [t.labels.namespace, t.labels.pod, t.labels.track, t.labels.service, t.labels.endpoint, t.health].join(' ')).sort();
    const expected = Object.values(deployed).flatMap(({ model: m, pods }) => Object.entries(pods).map(([track, p]) => `${m.deploy.kubernetes.namespace} ${p.name} ${track} ${m.service.name} http up`));
    expected.push(`${BAD.namespace} ${bad.name} canary ${deployed[BAD.example]!.model.service.name} http up`);
    expect(targets).toEqual(expected.sort());
  });

  it('keeps every label the runtime exposes: none arrives renamed exported_<name>', async () => {
    const url = new URL('/api/v1/series', prometheus);
    url.searchParams.set('match[]', '{__name__=~"mlservice_.+"}');
    const res = (await (await fetch(url)).json()) as { data: Array<Record<string, string>> };
    expect(res.data.length).toBeGreaterThan(0);
    const renamed = [...new Set(res.data.flatMap((s) => Object.keys(s).filter((k) => k.startsWith('exported_'))))];
    expect(renamed).toEqual([]);
  });

  /** The scope as the pipeline's kayentaCanary stage gives it to Kayenta, for one side. */
  const scope = (model: ServiceModel, track: string, location = model.deploy.kubernetes.namespace): KayentaScope => ({ scope: track, location, extendedScopeParams: stageScopeParams(model) });

  it.each(EXAMPLES)('%s: every canary-config query has data for the canary and for the baseline', async (example) => {
    const { model, config } = deployed[example]!;
    const missing: string[] = [];
    for (const metric of config.metrics) {
      for (const track of ['canary', 'baseline']) {
        const promql = kayentaPromQL(config, metric, scope(model, track));
        const values = finiteValues(await rangeQuery(prometheus, promql, window.start, window.end, STEP_SECONDS));
        if (values.length === 0) missing.push(`${metric.name} [${track}]: ${promql}`);
      }
    }
    expect(config.metrics.length).toBeGreaterThan(2);
    expect(missing).toEqual([]);
  });

  it.each(configOf(BAD.example).metrics.map((m) => [m.name, m] as const))(`${BAD.example}: a bad canary moves "%s" the way the judge looks for`, async (_name, metric: CanaryMetric) => {
    const { model, config } = deployed[BAD.example]!;
    const c = metric.analysisConfigurations.canary;
    const values = async (s: KayentaScope) => finiteValues(await rangeQuery(prometheus, kayentaPromQL(config, metric, s), window.start, window.end, STEP_SECONDS));
    const control = await values(scope(model, 'baseline'));
    const experiment = await values(scope(model, 'canary', BAD.namespace));
    expect([control.length > 0, experiment.length > 0], metric.name).toEqual([true, true]);
    const ratio = mean(experiment) / mean(control);
    const up = c.effectSize?.allowedIncrease ?? 1;
    const down = c.effectSize?.allowedDecrease ?? 1;
    const moved = c.direction === 'increase' ? ratio > up : c.direction === 'decrease' ? ratio < down : ratio > up || ratio < down;
    expect(moved, `${metric.name}: canary/baseline mean ratio ${ratio} (${c.direction}, allowed ${down}..${up})`).toBe(true);
  });
});

/** The extendedScopeParams the pipeline's kayentaCanary stage passes (template variables). */
function stageScopeParams(model: ServiceModel): Record<string, string> {
  const stage = (deployPipeline(model) as { stages: Stage[] }).stages.find((s) => s.type === 'kayentaCanary')!;
  return stage.canaryConfig.scopes[0].extendedScopeParams ?? {};
}
