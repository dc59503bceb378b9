import type { ServiceModel } from '../config/model.js';
import { upsertBlock, type BlockSpec } from './managed-block.js';
import type { OutputFile } from './types.js';

/**
 * Bulky, mechanical outputs: collapsed in GitHub (`linguist-generated`) and GitLab
 * (`gitlab-generated`) diffs. Deploy files are deliberately NOT in this list: reviewers must read
 * chart, Dockerfile, pipeline and workflow changes. The attributes are spelled out on each line
 * rather than through a `[attr]` macro, because git accepts macros only in the top-level
 * .gitattributes and a service often lives in a subfolder of a monorepo.
 * @see https://github.com/github-linguist/linguist/blob/main/docs/overrides.md#generated-code
 * @see https://git-scm.com/docs/gitattributes#_defining_macro_attributes
 */
const COLLAPSED = ['src/generated/**', 'openapi.yaml', '.mlgen/manifest.json'];

/** Every generated path gets LF endings in the work tree, so hashes match on every OS. */
const LF_ONLY = ['Dockerfile', '.dockerignore', 'chart/**', 'deploy/spinnaker/**', '.github/workflows/**'];

export const GITATTRIBUTES_BLOCK: Omit<BlockSpec, 'body'> = { begin: '# BEGIN mlgen', end: '# END mlgen' };

export function gitattributesBlock(): BlockSpec {
  const body = ['# Managed by mlgen sync; edit outside this block.', ...COLLAPSED.map((p) => `${p} linguist-generated gitlab-generated eol=lf`), ...LF_ONLY.map((p) => `${p} eol=lf`)].join('\n');
  return { ...GITATTRIBUTES_BLOCK, body };
}

/** `.gitattributes` is shared: mlgen owns only its block, the user's lines are kept. */
export function emitGitattributes(_model: ServiceModel): OutputFile[] {
  const block = gitattributesBlock();
  return [
    {
      path: '.gitattributes',
      content: upsertBlock('', block),
      owner: 'shared',
      emitter: 'gitattributes',
      inputs: [],
      update: (existing) => upsertBlock(existing, block),
    },
  ];
}
