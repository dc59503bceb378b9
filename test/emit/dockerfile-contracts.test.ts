/**
 * The Dockerfile and chart agree with the outputs that feed or drive them: the generated
 * package.json (what CMD runs, what the build stage copies), the CI glue (build-arg names) and the
 * Spinnaker pipeline (Deployment names per track, Helm override keys).
 */
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { emitDockerfile, modelBuildArgs, SERVICE_MAIN } from '../../src/emit/dockerfile.js';
import { emitHelm } from '../../src/emit/helm.js';
import { emitAll } from '../../src/emit/index.js';
import { deploymentName } from '../../src/emit/spinnaker-names.js';
import { ownedPackageFields } from '../../src/emit/ts/project-files.js';
import { modelBuildArg } from '../../src/emit/workflows-build-args.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { render, writeChart } from './helm-chart.js';

describe.each([
  ['activity-ranker', abModel()],
  ['scorer', minimalModel()],
])('%s', (_svc, model) => {
  test('CMD runs the start script of the generated package.json', () => {
    const start = ownedPackageFields().find(([path]) => path.join('.') === 'scripts.start')?.[1];
    expect(start).toBe(`node ${SERVICE_MAIN}`);
  });

  test('every file the build context needs from the project is emitted (package-lock.json comes from npm)', () => {
    const paths = new Set(emitAll(model).map((f) => f.path));
    for (const p of ['package.json', '.npmrc', 'tsconfig.json', 'src/main.ts', 'openapi.yaml', 'Dockerfile', '.dockerignore']) {
      expect(paths.has(p), p).toBe(true);
    }
  });

  test('model build-arg names are the ones the CI glue passes', () => {
    for (const m of model.models) {
      expect(modelBuildArgs(m)).toEqual({
        model: m.name,
        version: modelBuildArg(m.name, 'VERSION'),
        runId: modelBuildArg(m.name, 'RUN_ID'),
        sha256: modelBuildArg(m.name, 'SHA256'),
      });
    }
    const dockerfile = emitDockerfile(model).find((f) => f.path === 'Dockerfile')!.content;
    for (const arg of ['REVISION', 'VERSION', 'SOURCE']) expect(dockerfile).toContain(`\nARG ${arg}=`);
  });

  test.each(['stable', 'canary', 'baseline'] as const)('the %s Deployment has the name the Spinnaker pipeline deletes and deploys', (track) => {
    const objects = render(4, writeChart(model), ['--set', `track=${track}`]);
    expect(objects.find((o) => o.kind === 'Deployment')!.metadata.name).toBe(deploymentName(model, track));
  });

  test('every Helm override key of the pipeline is a key of values.yaml', () => {
    const pipeline = JSON.parse(emitAll(model).find((f) => f.path === 'deploy/spinnaker/pipeline.json')!.content);
    const values = parse(emitHelm(model).find((f) => f.path.endsWith('/values.yaml'))!.content);
    const bakes = (pipeline.stages as Array<{ type: string; overrides?: Record<string, string> }>).filter((s) => s.type === 'bakeManifest');
    expect(bakes.length).toBeGreaterThan(0);
    for (const key of new Set(bakes.flatMap((s) => Object.keys(s.overrides ?? {})))) {
      const found = key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], values);
      expect(found, key).not.toBeUndefined();
    }
  });
});
