import { BUILD_ARG, modelBuildArg } from '../emit/workflows-build-args.js';
import { LOCK_FILE, lockedModels } from './lock.js';
import { headCommit, run } from './process.js';

export interface ImageOptions {
  /** `<registry>/<repository>`, from mlservice.yaml. */
  image: string;
  /** service.version from mlservice.yaml. */
  version: string;
  /** Repository URL (org.opencontainers.image.source). */
  source: string;
  /** Default: the checked-out commit. */
  tag?: string;
  /** Push the image after the build (CI); a local build only builds. */
  push?: boolean;
}

/**
 * The `docker build` arguments: the image tagged with the commit, its revision, version and source,
 * and per model of models.lock.json its version, run id and digest (the Dockerfile turns them into
 * labels and the service's identity). One argument per value: no word splitting, no quoting.
 */
export async function buildArgs(o: ImageOptions & { tag: string }, lockFile = LOCK_FILE): Promise<string[]> {
  const args = ['build'];
  const arg = (name: string, value: string) => args.push('--build-arg', `${name}=${value}`);
  arg(BUILD_ARG.revision, o.tag);
  arg(BUILD_ARG.version, o.version);
  arg(BUILD_ARG.source, o.source);
  for (const m of await lockedModels(lockFile)) {
    arg(modelBuildArg(m.name, 'VERSION'), m.version);
    arg(modelBuildArg(m.name, 'RUN_ID'), m.runId);
    arg(modelBuildArg(m.name, 'SHA256'), m.sha256);
    console.log(`${m.name}: version ${m.version}${m.runId ? `, run ${m.runId}` : ''}`);
  }
  args.push('--tag', `${o.image}:${o.tag}`, '.');
  return args;
}

/** `mlgen-ci build-image`: builds the service image from the project root (and, with `--push`, pushes it). */
export async function buildImage(o: ImageOptions): Promise<void> {
  const tag = o.tag || headCommit();
  run('docker', await buildArgs({ ...o, tag }));
  if (o.push) run('docker', ['push', `${o.image}:${tag}`]);
}
