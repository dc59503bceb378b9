/**
 * The pull-request job of ci.yml: what the config change means, next to the generated diff.
 * It writes `mlgen diff --format markdown` against the pull request's base commit into the job
 * summary and keeps the `api-breaking` / `deploy-impacting` labels equal to what `mlgen diff`
 * reports, so branch rules or CODEOWNERS-style bots can ask for extra approvals. Both steps run
 * `mlgen-ci` (src/ci/review.ts).
 *
 * GitHub's contract, as this job relies on it:
 * - `pull_request` runs check out the merge commit `refs/pull/<n>/merge`; actions/checkout with
 *   `fetch-depth: 0` fetches every branch too (`+refs/heads/*:refs/remotes/origin/*`), so the base
 *   commit `github.event.pull_request.base.sha` is in the clone (actions/checkout src/ref-helper.ts,
 *   getRefSpecForAllHistory). With the default depth 1 it is not, and `mlgen diff` says so
 *   (REVIEW.BASE_NOT_FOUND) instead of calling the service new.
 * - Labels of a pull request are Issues endpoints: list `GET /repos/{o}/{r}/issues/{n}/labels`, add
 *   `POST .../labels {"labels": [...]}` (an EMPTY list removes every label, so it is never sent),
 *   remove `DELETE .../labels/{name}` (404 when it is not there). A label must exist in the
 *   repository to be added: `POST /repos/{o}/{r}/labels` creates it (422 `already_exists` if it
 *   does), which GITHUB_TOKEN may only do with `issues: write`.
 * - A `pull_request` run from a fork gets a read-only GITHUB_TOKEN whatever `permissions:` says;
 *   a write then answers 403. The job reports the labels that apply instead of failing.
 * @see https://docs.github.com/rest/issues/labels
 * @see https://docs.github.com/actions/security-for-github-actions/security-guides/automatic-token-authentication#permissions-for-the-github_token
 * @see https://docs.github.com/actions/writing-workflows/choosing-when-your-workflow-runs/events-that-trigger-workflows#pull_request
 * @see https://docs.github.com/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions#adding-a-job-summary
 */
import type { ChangeLabel } from '../review/types.js';
import { ci } from './workflows-ci.js';
import { gh } from './workflows-yaml.js';

/** Every label `mlgen diff` can report, as the job creates it in the repository the first time. */
export const REVIEW_LABELS: Record<ChangeLabel, { color: string; description: string }> = {
  'api-breaking': { color: 'b60205', description: 'mlgen diff: existing API clients can break' },
  'deploy-impacting': { color: 'fbca04', description: 'mlgen diff: changes what runs in the cluster' },
};

/** The `review` job of ci.yml (pull requests only). `setup` are the shared checkout/node/install steps. */
export function reviewJob(setup: object[]) {
  return {
    name: 'Change summary and labels',
    if: "github.event_name == 'pull_request'",
    'runs-on': 'ubuntu-latest',
    // pull-requests: put labels on the pull request; issues: create the two labels the first time.
    permissions: { contents: 'read', 'pull-requests': 'write', issues: 'write' },
    steps: [
      ...setup,
      // BASE_SHA is the commit the pull request merges into; fetch-depth: 0 put it in this clone.
      ci('Summarize the change against the base commit', 'review-summary', { base: ['BASE_SHA', gh('github.event.pull_request.base.sha')] }),
      ci(
        'Label the pull request',
        'review-labels',
        { pr: ['PR_NUMBER', gh('github.event.pull_request.number')], 'head-repo': ['HEAD_REPO', gh('github.event.pull_request.head.repo.full_name')] },
        { GITHUB_TOKEN: gh('github.token') },
      ),
    ],
  };
}
