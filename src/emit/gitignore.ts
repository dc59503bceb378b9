import type { ServiceModel } from '../config/model.js';
import { upsertBlock, type BlockSpec } from './managed-block.js';
import type { OutputFile } from './types.js';

/**
 * The project's `.gitignore` is shared: mlgen owns one `# BEGIN mlgen` block, so `git add -A` after
 * `npm install`, `npm run build` and `mlgen models pull` stages none of their output, and the user's
 * own lines (editor files, `.env` ...) stay theirs. mlgen's local artefacts (`.mlgen/cache/`,
 * `.mlgen/backup/`) are ignored by `.mlgen/.gitignore`, which the sync engine owns whole.
 *
 * Patterns follow gitignore(5): a leading `/` anchors a pattern at this file's directory (the
 * service may sit in a subfolder of a monorepo), a trailing `/` matches directories only, so
 * `/models/churn/` never hides a committed `models/churn.onnx`.
 * @see https://git-scm.com/docs/gitignore#_pattern_format
 */
export const GITIGNORE_BLOCK: Omit<BlockSpec, 'body'> = { begin: '# BEGIN mlgen', end: '# END mlgen' };

/**
 * `mlgen models pull` fills `models/<name>/` from the registry, a URL or a local path elsewhere;
 * models.lock.json records what it fetched and CI pulls it again, so those copies stay out of git.
 * A local source inside `models/<name>/` is the team's committed model: that directory is never
 * ignored, nor is any directory that holds a local source.
 */
export function pulledModelDirs(model: ServiceModel): string[] {
  const local = model.models.flatMap((m) => (m.source.kind === 'local' ? [m.source.path.replace(/^(\.\/)+/, '')] : []));
  const holdsLocal = (dir: string) => local.some((p) => p === dir || p.startsWith(`${dir}/`));
  return model.models.map((m) => `models/${m.name}`).filter((dir) => !holdsLocal(dir));
}

export function gitignoreBlock(model: ServiceModel): BlockSpec {
  const body = [
    '# Managed by mlgen sync; edit outside this block.',
    '# npm install, npm run build',
    'node_modules/',
    '/dist/',
    '*.tsbuildinfo',
    'npm-debug.log*',
    '# mlgen models pull: models.lock.json (committed) records these; CI pulls them again',
    ...pulledModelDirs(model).map((dir) => `/${dir}/`),
    '/models/.mlgen-*',
  ].join('\n');
  return { ...GITIGNORE_BLOCK, body };
}

export function emitGitignore(model: ServiceModel): OutputFile[] {
  const block = gitignoreBlock(model);
  return [
    {
      path: '.gitignore',
      content: upsertBlock('', block),
      owner: 'shared',
      emitter: 'gitignore',
      inputs: ['/models'],
      update: (existing) => upsertBlock(existing, block),
    },
  ];
}
