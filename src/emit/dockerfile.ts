/**
 * `Dockerfile` and `.dockerignore` from the Handlebars templates in `templates/docker/`.
 * The image names its code revision and every model it serves in OCI labels; values only known
 * at build time (git SHA, model versions and run ids from models.lock.json) come in as build args
 * named by `modelBuildArgs()`, which the CI glue fills.
 * @see https://github.com/opencontainers/image-spec/blob/main/annotations.md
 * @see https://docs.docker.com/reference/dockerfile/
 */
import Handlebars from 'handlebars';
import type { ModelSpec, ServiceModel } from '../config/model.js';
import { readTemplate } from '../templates.js';
import { generatedFile } from './helm-templates.js';
import { GENERATED_MARKER, type Emitter } from './types.js';

const EMITTER = 'dockerfile';

/** What the runtime stage runs: the `start` script of the generated package.json, in exec form. */
export const SERVICE_MAIN = 'dist/main.js';

export interface ModelBuildArgs {
  model: string;
  version: string;
  runId: string;
  sha256: string;
}

/** Build-arg names for one model: `MODEL_<NAME>_VERSION|_RUN_ID|_SHA256`, `-` becoming `_`. */
export function modelBuildArgs(model: Pick<ModelSpec, 'name'>): ModelBuildArgs {
  const stem = `MODEL_${model.name.toUpperCase().replace(/-/g, '_')}`;
  return { model: model.name, version: `${stem}_VERSION`, runId: `${stem}_RUN_ID`, sha256: `${stem}_SHA256` };
}

/**
 * A Dockerfile double-quoted string: `\` and `"` escaped, `$` escaped so nothing expands, line
 * breaks turned into spaces (a raw newline would end the instruction).
 */
export function dockerQuote(text: string): string {
  const escaped = text.replace(/[\\"$]/g, (c) => `\\${c}`).replace(/\s*[\r\n]+\s*/g, ' ');
  return `"${escaped}"`;
}

const compile = (name: string) => Handlebars.compile(readTemplate(`docker/${name}`), { noEscape: true, strict: true });
let templates: { dockerfile: HandlebarsTemplateDelegate; dockerignore: HandlebarsTemplateDelegate } | undefined;

function modelData(m: ModelSpec) {
  const args = modelBuildArgs(m);
  return {
    name: m.name,
    source: dockerQuote(m.source.uri),
    versionArg: args.version,
    runIdArg: args.runId,
    sha256Arg: args.sha256,
    versionRef: `\${${args.version}}`,
    runIdRef: `\${${args.runId}}`,
    sha256Ref: `\${${args.sha256}}`,
    // Known without pulling only for `models:/name/<n>`; aliases and files resolve at pull time.
    versionDefault: m.source.kind === 'registry-version' ? dockerQuote(m.source.version) : '',
  };
}

function dockerfileData(model: ServiceModel) {
  const { image } = model.deploy;
  return {
    marker: GENERATED_MARKER,
    name: model.service.name,
    title: dockerQuote(model.service.name),
    description: dockerQuote(model.service.description),
    version: model.service.version,
    imageRef: `${image.registry}/${image.repository}`,
    base: image.base,
    buildBase: image.buildBase,
    baseLabel: dockerQuote(image.base),
    port: model.server.port,
    main: SERVICE_MAIN,
    models: model.models.map(modelData),
  };
}

export const emitDockerfile: Emitter = (model) => {
  templates ??= { dockerfile: compile('Dockerfile.hbs'), dockerignore: compile('dockerignore.hbs') };
  return [
    generatedFile(EMITTER, '.dockerignore', templates.dockerignore({ marker: GENERATED_MARKER }), []),
    generatedFile(EMITTER, 'Dockerfile', templates.dockerfile(dockerfileData(model)), ['/deploy/image', '/models', '/server/port', '/service']),
  ];
};
