/**
 * Identity everywhere: for a committed example config and one set of identity values (a git SHA,
 * models built with the ONNX builder and locked by their real digests), the same code revision and
 * model versions appear in
 *   (a) the image: LABEL and ENV of the generated Dockerfile, with the build args the generated
 *       deploy workflow's own steps compute (run as the runner runs them: `mlgen-ci build-image`
 *       reads models.lock.json and runs a `docker` stand-in that records its command line);
 *   (b) the pods: the chart rendered by real Helm with the Spinnaker bake stage's overrides, the
 *       trigger parameters being the ones the workflow's trigger step posted to a webhook stand-in;
 *   (c) `/metadata` and (d) `mlservice_build_info` / `mlservice_model_info` of the runtime serving
 *       the generated ServiceDefinition (compiled with the project's tsc) over those models, with the
 *       environment the canary pod's container gets (image ENV, then the chart's env).
 * Where a view spells a field differently, the mapping is asserted explicitly (see KEYS).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildService } from '../../runtime/src/index.js';
import { METRICS, PATHS } from '../../runtime/src/names.js';
import type { ModelsLock, ServiceDefinition } from '../../runtime/src/types.js';
import { loadConfig } from '../../src/config/index.js';
import type { ModelSpec, ServiceModel } from '../../src/config/model.js';
import { emitAll } from '../../src/emit/index.js';
import { hashDir, modelDigest, writeLock } from '../../src/models/lock.js';
import { render, writeChart, type K8sObject } from '../emit/helm-chart.js';
import { EXAMPLE_MODELS } from '../../testkit/example-models.js';
import { HELM_MAJORS } from '../support/helm.js';
import { buildMlp, writeMlflowModelDir } from '../../testkit/onnx-builder.js';
import { makeServiceProject, REPO, tsc } from '../../testkit/service-project.js';
import { buildArgsOf, runStepsAsync } from './ci-steps.js';
import { imageConfig } from './dockerfile-image.js';

const REVISION = '5e2b9c0d4a7f13e86b1c9d0e2f4a6b8c0d1e3f57';
const PRODUCTION_REVISION = '0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5';
const PRODUCTION_SERVICE_VERSION = '0.0.9-production';
/** Registry versions the fake registry resolved aliases and `latest` to. */
const RESOLVED = { 'registry-alias': '13', 'registry-latest': '7' } as const;

/** How each view names the fields of one model's identity (`<m>` = model name). */
const KEYS = {
  label: { source: 'io.mlservice.model.<m>.source', version: 'io.mlservice.model.<m>.version', runId: 'io.mlservice.model.<m>.run-id', sha256: 'io.mlservice.model.<m>.sha256' },
  podAnnotation: { version: '<m>.models.mlservice.io/version', runId: '<m>.models.mlservice.io/run-id' },
  podLabel: { version: '<m>.models.mlservice.io/version' },
  metric: { source: 'source', version: 'version', runId: 'run_id', sha256: 'sha256' },
} as const;
const key = (pattern: string, model: string) => pattern.replace('<m>', model);

interface ModelIdentity {
  source: string;
  version: string;
  runId: string;
  sha256: string;
}

const runIdOf = (name: string) => createHash('sha256').update(`run of ${name}`).digest('hex').slice(0, 32);

/** The MLflow registry's answer for a source; null for local files and URLs. */
function registryOf(m: ModelSpec): ModelsLock['models'][string]['registry'] {
  const s = m.source;
  if (s.kind === 'registry-version') return { registeredModel: s.registeredModel, version: s.version, runId: runIdOf(m.name) };
  if (s.kind === 'registry-alias') return { registeredModel: s.registeredModel, version: RESOLVED[s.kind], runId: runIdOf(m.name), alias: s.alias };
  if (s.kind === 'registry-latest') return { registeredModel: s.registeredModel, version: RESOLVED[s.kind], runId: runIdOf(m.name) };
  return null;
}

/** models/<name>/ as `mlgen models pull` leaves it: an MLflow model dir, or the single file a local/https source names. */
async function writeModel(example: string, m: ModelSpec, modelsDir: string): Promise<void> {
  const bytes = buildMlp(EXAMPLE_MODELS[example]![m.name]!);
  if (m.source.kind !== 'local' && m.source.kind !== 'https') return writeMlflowModelDir(join(modelsDir, m.name), bytes, { runId: runIdOf(m.name) });
  await mkdir(join(modelsDir, m.name), { recursive: true });
  await writeFile(join(modelsDir, m.name, m.source.uri.split('/').pop()!), bytes);
}

async function writeModelsAndLock(model: ServiceModel, dir: string): Promise<ModelsLock> {
  const lock: ModelsLock = { lockVersion: 1, models: {} };
  for (const m of model.models) {
    const files = await hashDir(join(dir, 'models', m.name));
    lock.models[m.name] = { source: m.source.uri, registry: registryOf(m), files, sha256: modelDigest(files) };
  }
  await writeLock(dir, lock);
  return lock;
}

/** What every view must show, from the lock and the config (CI's rule for unregistered models). */
function expectedModels(lock: ModelsLock): Record<string, ModelIdentity> {
  return Object.fromEntries(
    Object.entries(lock.models).map(([name, e]) => [
      name,
      { source: e.source, version: e.registry ? e.registry.version : `sha256-${e.sha256.slice(0, 12)}`, runId: e.registry?.runId ?? '', sha256: e.sha256 },
    ]),
  );
}

/** Label sets of every sample of `name` in a Prometheus text exposition (values unescaped). */
function samples(text: string, name: string): Array<Record<string, string>> {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`))
    .map((l) => Object.fromEntries([...l.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, JSON.parse(`"${x[2]!}"`) as string])));
}

interface Bake {
  type: string;
  namespace: string;
  overrides: Record<string, string>;
  inputArtifacts: Array<{ artifact: { version: string } }>;
}

describe.each(['recommender', 'minimal'])('examples/%s', (example) => {
  let model: ServiceModel;
  let project: { dir: string; cleanup: () => Promise<void> };
  let temp: string;
  let lock: ModelsLock;
  let models: Record<string, ModelIdentity>;
  let dockerArgs: string[];
  let parameters: Record<string, string>;
  let outputs: Map<string, string>;
  const files = () => outputs;

  beforeAll(async () => {
    model = (await loadConfig(join(REPO, 'examples', example, 'mlservice.yaml'))).model;
    outputs = new Map(emitAll(model).map((f) => [f.path, f.content]));
    project = await makeServiceProject(model, async (modelsDir) => {
      for (const m of model.models) await writeModel(example, m, modelsDir);
    });
    lock = await writeModelsAndLock(model, project.dir);
    models = expectedModels(lock);
    temp = await mkdtemp(join(tmpdir(), 'mlgen-identity-'));
    // The Spinnaker webhook: a stand-in that keeps what the trigger step posts.
    const posted: string[] = [];
    const webhook = createServer((req, res) => {
      let body = '';
      req
        .on('data', (d: Buffer) => (body += d))
        .on('end', () => {
          posted.push(`${req.url} ${body}`);
          res.end('{}');
        });
    }).listen(0, '127.0.0.1');
    await once(webhook, 'listening');
    const run = await runStepsAsync(files().get('.github/workflows/deploy.yml')!, 'deploy', ['Build and push the image', 'Trigger the Spinnaker pipeline'], {
      cwd: project.dir,
      temp,
      context: {
        'github.server_url': 'https://github.com',
        'github.repository': 'acme/service',
        'vars.PRODUCTION_IMAGE_TAG': PRODUCTION_REVISION,
        'secrets.SPINNAKER_WEBHOOK_URL': `http://127.0.0.1:${(webhook.address() as AddressInfo).port}`,
      },
      commands: {
        git: `[ "$*" = "rev-parse HEAD" ] && echo ${REVISION} && exit 0\necho "unexpected: git $*" >&2; exit 1`,
        docker: 'printf "%s\\n" "$@" > "$RUNNER_TEMP/docker-$1.argv"',
      },
      env: { npm_config_update_notifier: 'false' },
    });
    webhook.close();
    expect(run.steps.map((s) => [s.name, s.status])).toEqual([
      ['Build and push the image', 0],
      ['Trigger the Spinnaker pipeline', 0],
    ]);
    dockerArgs = (await readFile(join(temp, 'docker-build.argv'), 'utf8')).split('\n').slice(0, -1);
    expect(await readFile(join(temp, 'docker-push.argv'), 'utf8')).toBe(`push\n${model.deploy.image.registry}/${model.deploy.image.repository}:${REVISION}\n`);
    const [path, body] = [posted[0]!.slice(0, posted[0]!.indexOf(' ')), posted[0]!.slice(posted[0]!.indexOf(' ') + 1)];
    expect([posted.length, path]).toEqual([1, `/webhooks/webhook/${model.service.name}`]);
    parameters = JSON.parse(body).parameters;
  }, 120_000);

  afterAll(async () => {
    await project?.cleanup();
    if (temp) await rm(temp, { recursive: true, force: true });
  });

  it('the workflow builds the image tagged with the revision and passes the lock as build args', () => {
    const image = `${model.deploy.image.registry}/${model.deploy.image.repository}`;
    expect(dockerArgs.slice(0, 1)).toEqual(['build']);
    expect(dockerArgs.slice(-3)).toEqual(['--tag', `${image}:${REVISION}`, '.']);
    const expected: Record<string, string> = { REVISION, VERSION: model.service.version, SOURCE: 'https://github.com/acme/service' };
    for (const [name, m] of Object.entries(models)) {
      const k = name.toUpperCase().replace(/-/g, '_');
      Object.assign(expected, { [`MODEL_${k}_VERSION`]: m.version, [`MODEL_${k}_RUN_ID`]: m.runId, [`MODEL_${k}_SHA256`]: m.sha256 });
    }
    expect(buildArgsOf(dockerArgs)).toEqual(expected);
  });

  it('(a) the image labels name the revision, the service version and every locked model', () => {
    const { labels, env } = imageConfig(files().get('Dockerfile')!, buildArgsOf(dockerArgs));
    expect(labels['org.opencontainers.image.revision']).toBe(REVISION);
    expect(labels['org.opencontainers.image.version']).toBe(model.service.version);
    expect(labels['org.opencontainers.image.title']).toBe(model.service.name);
    expect(env.MLSERVICE_REVISION).toBe(REVISION);
    const modelLabels = Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith('io.mlservice.model.')));
    const expected = Object.fromEntries(Object.entries(models).flatMap(([name, m]) => (Object.keys(KEYS.label) as Array<keyof ModelIdentity>).map((f) => [key(KEYS.label[f], name), m[f]])));
    expect(modelLabels).toEqual(expected);
  });

  describe.each(HELM_MAJORS)('(b) Helm %i', (major) => {
    const bakeOf = (track: string): Bake => {
      const pipeline = JSON.parse(files().get('deploy/spinnaker/pipeline.json')!) as { stages: Bake[] };
      return pipeline.stages.find((s) => s.type === 'bakeManifest' && s.overrides.track === track)!;
    };
    // The only SpEL the bake stages use: `${ trigger['parameters']['<name>'] }`.
    const evaluate = (v: string) =>
      v.replace(/\$\{ trigger\['parameters'\]\['([^']+)'\] \}/g, (_m, p: string) => {
        if (!(p in parameters)) throw new Error(`the workflow sends no parameter ${p}`);
        return parameters[p]!;
      });
    /** The pod template the track's bake renders from the chart of `chartModel` (the config at the commit the bake reads). */
    const pod = (track: string, chartModel: ServiceModel = model): K8sObject => {
      const bake = bakeOf(track);
      const sets = Object.entries(bake.overrides).flatMap(([k, v]) => ['--set-string', `${k}=${evaluate(v)}`]);
      const objects = render(major, writeChart(chartModel), ['--namespace', bake.namespace, ...sets]);
      return objects.find((o) => o.kind === 'Deployment')!.spec.template;
    };

    it.each(['canary', 'stable'])('the %s pods carry the same revision and model versions', (track) => {
      const t = pod(track);
      const image = `${model.deploy.image.registry}/${model.deploy.image.repository}:${REVISION}`;
      expect(t.spec.containers[0].image).toBe(image);
      expect(t.spec.containers[0].env.filter((e: { name: string }) => e.name.startsWith('MLSERVICE_'))).toEqual([{ name: 'MLSERVICE_REVISION', value: REVISION }]);
      const annotations: Record<string, string> = { 'mlservice.io/image': image, 'mlservice.io/revision': REVISION };
      // Label values are limited to 63 chars of [A-Za-z0-9_.-]; these values already are, so they stay as they are.
      const labels: Record<string, string> = { 'app.kubernetes.io/name': model.service.name, 'app.kubernetes.io/version': model.service.version, 'mlservice.io/revision': REVISION };
      for (const [name, m] of Object.entries(models)) {
        annotations[key(KEYS.podAnnotation.version, name)] = m.version;
        annotations[key(KEYS.podAnnotation.runId, name)] = m.runId;
        labels[key(KEYS.podLabel.version, name)] = m.version;
      }
      expect(t.metadata.annotations).toEqual(annotations);
      expect(Object.fromEntries(Object.keys(labels).map((k) => [k, t.metadata.labels[k]]))).toEqual(labels);
    });

    it("the baseline pods carry production's identity only: its revision, image and version, and no model claim", () => {
      const bake = bakeOf('baseline');
      // The baseline bake reads the chart at the production commit (the revision the image was built from) ...
      expect(evaluate(bake.inputArtifacts[0]!.artifact.version)).toBe(PRODUCTION_REVISION);
      // ... whose config differs from the new one: another service version, every model pinned elsewhere.
      const production: ServiceModel = {
        ...model,
        service: { ...model.service, version: PRODUCTION_SERVICE_VERSION },
        models: model.models.map((m) => ({ ...m, source: { kind: 'registry-version', uri: `models:/${m.name}/11`, registeredModel: m.name, version: '11' } })),
      };
      const t = pod('baseline', production);
      const image = `${model.deploy.image.registry}/${model.deploy.image.repository}:${PRODUCTION_REVISION}`;
      expect(t.spec.containers[0].image).toBe(image);
      expect(t.spec.containers[0].env.filter((e: { name: string }) => e.name.startsWith('MLSERVICE_'))).toEqual([{ name: 'MLSERVICE_REVISION', value: PRODUCTION_REVISION }]);
      // Neither the new build's models (the trigger's) nor either config's: the trigger does not know what
      // production's image runs, so the pods claim nothing; its labels and /metadata stay the truth.
      expect(t.metadata.annotations).toEqual({ 'mlservice.io/image': image, 'mlservice.io/revision': PRODUCTION_REVISION });
      const identityLabels = Object.fromEntries(Object.entries(t.metadata.labels as Record<string, string>).filter(([k]) => k.includes('mlservice.io/') || k === 'app.kubernetes.io/version'));
      expect(identityLabels).toEqual({ 'app.kubernetes.io/version': PRODUCTION_SERVICE_VERSION, 'mlservice.io/revision': PRODUCTION_REVISION });
    });
  });

  it('(c) /metadata and (d) the info metrics of the running service show the same identity', async () => {
    const compiled = await tsc(project.dir, true);
    expect(compiled).toEqual({ code: 0, output: '' });
    const mod = (await import(pathToFileURL(join(project.dir, 'dist/generated/service.js')).href)) as { definition: ServiceDefinition };
    const image = imageConfig(files().get('Dockerfile')!, buildArgsOf(dockerArgs));
    // What the canary pod's container starts with: the image's ENV, then the chart's env on top.
    const env = { ...image.env, MLSERVICE_REVISION: REVISION, MLSERVICE_MODELS_LOCK: join(project.dir, 'models.lock.json'), LOG_LEVEL: 'silent' };
    const s = await buildService(mod.definition, { modelsDir: join(project.dir, 'models') }, env);
    try {
      await s.loadModels();
      const metadata = (await s.app.inject(PATHS.metadata)).json();
      expect(metadata).toEqual({
        service: { name: model.service.name, version: model.service.version, description: model.service.description, revision: REVISION },
        // JSON null where the labels have an empty string: an unregistered model has no run id.
        // Where each model runs (auto decides at start-up) sits beside its identity; not part of it.
        models: Object.entries(models).map(([name, m]) => ({
          name,
          ...m,
          runId: m.runId || null,
          inferenceThread: expect.stringMatching(/^(main|worker)$/),
          fullBatchMs: expect.any(Number),
          // null on the event-loop thread; on a worker, the suite's MLSERVICE_INFERENCE_NICE (vitest.config.ts) or the default 5.
          inferenceNice: expect.toBeOneOf([null, Number(process.env.MLSERVICE_INFERENCE_NICE || 5)]),
        })),
      });
      const text = (await s.app.inject(PATHS.metrics)).body;
      // Which service and track a series is from is added by the scrape, not the process.
      expect(samples(text, METRICS.buildInfo)).toEqual([{ version: model.service.version, revision: REVISION }]);
      expect(samples(text, METRICS.modelInfo)).toEqual(
        Object.entries(models).map(([name, m]) => ({
          model: name,
          ...Object.fromEntries((Object.keys(KEYS.metric) as Array<keyof ModelIdentity>).map((f) => [KEYS.metric[f], m[f]])),
        })),
      );
    } finally {
      await s.shutdown();
    }
  }, 120_000);
});
