/**
 * The Dockerfile read the way its consumers read it: parsed by dockerfile-ast and linted by
 * dockerfile-utils (the parser and validator of the VS Code Docker language server), then checked
 * against the runtime's names. Building and running the image with podman is CI's job.
 */
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, test } from 'vitest';
import { ENV, PATHS } from '../../runtime/src/names.js';
import type { ServiceModel } from '../../src/config/model.js';
import { dockerQuote, emitDockerfile, modelBuildArgs, SERVICE_MAIN } from '../../src/emit/dockerfile.js';
import { GENERATED_MARKER } from '../../src/emit/types.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';

function dockerfile(model: ServiceModel): string {
  return emitDockerfile(model).find((f) => f.path === 'Dockerfile')!.content;
}

/** The instructions of each stage, by stage index. */
function stages(text: string): Instruction[][] {
  const result: Instruction[][] = [];
  for (const i of DockerfileParser.parse(text).getInstructions()) {
    if (i.getKeyword() === 'FROM') result.push([]);
    result.at(-1)!.push(i);
  }
  return result;
}

/** COPY lines as written (dockerfile-ast leaves flags such as --from out of the arguments). */
const copyLines = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('COPY '));
const args = (i: Instruction): string[] => i.getArguments().map((a) => a.getValue());
const find = (stage: Instruction[], keyword: string) => stage.filter((i) => i.getKeyword() === keyword);

function labels(text: string): Record<string, string> {
  const doc = DockerfileParser.parse(text);
  const label = doc.getInstructions().filter((i) => i.getKeyword() === 'LABEL');
  expect(label).toHaveLength(1);
  const props = (label[0] as unknown as { getProperties(): Array<{ getName(): string; getValue(): string | null }> }).getProperties();
  return Object.fromEntries(props.map((p) => [p.getName(), p.getValue() ?? '']));
}

describe.each([
  ['activity-ranker', abModel()],
  ['scorer', minimalModel()],
])('%s', (svc, model) => {
  const text = dockerfile(model);
  const [build, runtime] = stages(text) as [Instruction[], Instruction[]];

  test.each(['Dockerfile', '.dockerignore'])('%s matches the golden file', async (name) => {
    const content = emitDockerfile(model).find((f) => f.path === name)!.content;
    await expect(content).toMatchFileSnapshot(`__snapshots__/dockerfile/${svc}/${name}`);
  });

  test('the Docker language server finds no problem', () => {
    expect(validate(text)).toEqual([]);
  });

  test('two stages: build on buildBase, runtime on base, both tagged and never latest', () => {
    expect(stages(text)).toHaveLength(2);
    expect(args(build[0]!)).toEqual([model.deploy.image.buildBase, 'AS', 'build']);
    expect(args(runtime[0]!)).toEqual([model.deploy.image.base]);
    for (const from of DockerfileParser.parse(text).getFROMs()) {
      expect(from.getImageTag() ?? from.getImageDigest()).toBeTruthy();
      expect(from.getImageTag()).not.toBe('latest');
    }
  });

  test('the build stage skips the onnxruntime GPU download, compiles, prunes dev deps and foreign binaries', () => {
    const keywords = build.map((i) => `${i.getKeyword()} ${args(i).join(' ')}`);
    const env = keywords.indexOf('ENV ONNXRUNTIME_NODE_INSTALL=skip');
    const ci = keywords.indexOf('RUN npm ci --no-audit --no-fund');
    expect(env).toBeGreaterThan(0);
    expect(ci).toBeGreaterThan(env);
    const last = find(build, 'RUN').at(-1)!.getArgumentsContent()!;
    expect(last).toContain('npm run build');
    expect(last).toContain('npm prune --omit=dev');
    expect(last).toContain("! -path '*/linux/x64' -prune -exec rm -rf {} +");
  });

  test('the runtime stage runs node as numeric non-root user 10001 in exec form, with SIGTERM', () => {
    expect(find(runtime, 'USER').map(args)).toEqual([['10001:10001']]);
    expect(find(runtime, 'CMD').map((i) => JSON.parse(i.getArgumentsContent()!))).toEqual([['node', SERVICE_MAIN]]);
    expect(find(runtime, 'STOPSIGNAL').map(args)).toEqual([['SIGTERM']]);
    expect(find(runtime, 'EXPOSE').map(args)).toEqual([[String(model.server.port)]]);
    // Files stay root-owned (read-only for 10001): no --chown anywhere, USER comes after every COPY.
    expect(text).not.toContain('--chown');
    const userAt = runtime.findIndex((i) => i.getKeyword() === 'USER');
    expect(runtime.findLastIndex((i) => i.getKeyword() === 'COPY')).toBeLessThan(userAt);
  });

  test('the runtime stage copies production deps, compiled code, models, the lock and openapi.yaml', () => {
    expect(copyLines(text).slice(-5)).toEqual([
      'COPY --from=build /app/package.json ./',
      'COPY --from=build /app/node_modules/ node_modules/',
      'COPY --from=build /app/dist/ dist/',
      'COPY models/ models/',
      'COPY models.lock.json openapi.yaml ./',
    ]);
    expect(find(runtime, 'COPY')).toHaveLength(5);
  });

  test('HEALTHCHECK probes the runtime readiness path with node fetch (no curl in slim images)', () => {
    const hc = find(runtime, 'HEALTHCHECK');
    expect(hc).toHaveLength(1);
    const cmd = hc[0]!.getArgumentsContent()!;
    const exec = JSON.parse(cmd.slice(cmd.indexOf('CMD') + 3)) as string[];
    expect(exec.slice(0, 2)).toEqual(['node', '-e']);
    expect(exec[2]).toBe(`fetch('http://127.0.0.1:' + (process.env.PORT || ${model.server.port}) + '${PATHS.ready}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`);
  });

  test('the revision build arg becomes MLSERVICE_REVISION; PORT is the server port', () => {
    const env = find(runtime, 'ENV').map((i) => i.getArgumentsContent()!.replace(/\s+/g, ' '));
    expect(env).toEqual([`NODE_ENV=production PORT=${model.server.port} ${ENV.revision}="\${REVISION}"`]);
    expect(ENV.port).toBe('PORT');
  });

  test('OCI labels and one version, run id, source and sha256 label per model, fed by build args', () => {
    const expected: Record<string, string> = {
      'org.opencontainers.image.title': svc,
      'org.opencontainers.image.description': model.service.description,
      'org.opencontainers.image.version': '${VERSION}',
      'org.opencontainers.image.revision': '${REVISION}',
      'org.opencontainers.image.source': '${SOURCE}',
      'org.opencontainers.image.base.name': model.deploy.image.base,
    };
    for (const m of model.models) {
      const a = modelBuildArgs(m);
      expected[`io.mlservice.model.${m.name}.source`] = m.source.uri;
      expected[`io.mlservice.model.${m.name}.version`] = `\${${a.version}}`;
      expected[`io.mlservice.model.${m.name}.run-id`] = `\${${a.runId}}`;
      expected[`io.mlservice.model.${m.name}.sha256`] = `\${${a.sha256}}`;
    }
    expect(labels(text)).toEqual(expected);
    const declared = find(runtime, 'ARG').map((i) => args(i)[0]!.split('=')[0]);
    expect(declared).toEqual([
      'REVISION',
      'VERSION',
      'SOURCE',
      ...model.models.flatMap((m) => {
        const a = modelBuildArgs(m);
        return [a.version, a.runId, a.sha256];
      }),
    ]);
  });

  test('both files are generated, start with the marker and end with one newline', () => {
    for (const f of emitDockerfile(model)) {
      expect(f.owner).toBe('generated');
      expect(f.content.startsWith(`# ${GENERATED_MARKER}\n`)).toBe(true);
      expect(f.content.endsWith('\n') && !f.content.endsWith('\n\n')).toBe(true);
    }
  });
});

test('a model version pinned in the config is the build arg default; aliases have none', () => {
  const arg = stages(dockerfile(abModel()))[1]!
    .filter((i) => i.getKeyword() === 'ARG')
    .map((i) => i.getArgumentsContent());
  expect(arg).toContain('MODEL_RANKER_CONTROL_VERSION="12"');
  expect(arg).toContain('MODEL_RANKER_TREATMENT_VERSION=');
});

test('build arg names: upper case, dashes to underscores', () => {
  expect(modelBuildArgs({ name: 'ranker-v2-x' })).toEqual({
    model: 'ranker-v2-x',
    version: 'MODEL_RANKER_V2_X_VERSION',
    runId: 'MODEL_RANKER_V2_X_RUN_ID',
    sha256: 'MODEL_RANKER_V2_X_SHA256',
  });
});

describe('hostile text', () => {
  const hostile = 'Ranks "things": #1 {{ x }} ${HOME} $PATH \\ back\nsecond line ünïcödé ../etc';

  test.each([
    ['quotes, $ and backslashes', 'a "b" $HOME ${X} \\n \\', '"a \\"b\\" \\$HOME \\${X} \\\\n \\\\"'],
    ['a newline becomes a space', 'one\ntwo\r\n  three', '"one two three"'],
    ['handlebars and comments stay text', '{{x}} # y', '"{{x}} # y"'],
  ])('dockerQuote: %s', (_name, input, quoted) => {
    expect(dockerQuote(input)).toBe(quoted);
  });

  test('a hostile description stays one LABEL value, unexpanded, and the file still lints clean', () => {
    const model = abModel();
    model.service.description = hostile;
    const text = dockerfile(model);
    expect(validate(text)).toEqual([]);
    expect(stages(text)).toHaveLength(2);
    // dockerfile-ast unescapes quotes and backslashes but leaves `\$` to variable expansion,
    // which turns it into a literal `$` (https://docs.docker.com/reference/dockerfile/#environment-replacement).
    expect(labels(text)['org.opencontainers.image.description']).toBe('Ranks "things": #1 {{ x }} \\${HOME} \\$PATH \\ back second line ünïcödé ../etc');
  });
});

test('.dockerignore admits only what the build reads', () => {
  const ignore = emitDockerfile(minimalModel()).find((f) => f.path === '.dockerignore')!.content;
  const rules = ignore.split('\n').filter((l) => l && !l.startsWith('#'));
  expect(rules).toEqual(['*', '!package.json', '!package-lock.json', '!.npmrc', '!tsconfig.json', '!src', '!models', 'models/.mlgen-*', '!models.lock.json', '!openapi.yaml']);
  const fromContext = copyLines(dockerfile(minimalModel())).filter((l) => !l.startsWith('COPY --from'));
  const copied = fromContext.flatMap((l) =>
    l
      .split(' ')
      .slice(1, -1)
      .map((p) => p.replace(/\/$/, '')),
  );
  expect(copied).toEqual(['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'src', 'models', 'models.lock.json', 'openapi.yaml']);
  // Re-inclusions mirror the COPY lines; the one exclusion keeps an interrupted pull's staging dirs out.
  expect(rules.slice(1).filter((r) => r.startsWith('!'))).toEqual(copied.map((p) => `!${p}`));
});
