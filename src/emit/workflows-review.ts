/**
 * The pull-request job of ci.yml: what the config change means, next to the generated diff.
 * It writes `mlgen diff --format markdown` against the pull request's base commit into the job
 * summary and keeps the `api-breaking` / `deploy-impacting` labels equal to what `mlgen diff`
 * reports, so branch rules or CODEOWNERS-style bots can ask for extra approvals.
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
import { gh } from './workflows-yaml.js';

const lines = (...l: string[]): string => l.join('\n') + '\n';

/** Every label `mlgen diff` can report, as the job creates it in the repository the first time. */
export const REVIEW_LABELS: Record<ChangeLabel, { color: string; description: string }> = {
  'api-breaking': { color: 'b60205', description: 'mlgen diff: existing API clients can break' },
  'deploy-impacting': { color: 'fbca04', description: 'mlgen diff: changes what runs in the cluster' },
};

/**
 * Runs `mlgen diff` twice (JSON for the labels, markdown for people); ~0.3 s each. When the base
 * cannot be read, the summary says where the reason is; the log has its code and fix.
 */
export const SUMMARY_SCRIPT = lines(
  'set -euo pipefail',
  '# BASE_SHA is the commit the pull request merges into; fetch-depth: 0 put it in this clone.',
  'if ! npx --no mlgen diff --base "$BASE_SHA" --format json > "$RUNNER_TEMP/mlgen-diff.json"; then',
  '  echo "mlgen diff could not compare with the base commit $BASE_SHA: the log of this step has the reason and its fix." >> "$GITHUB_STEP_SUMMARY"',
  '  exit 1',
  'fi',
  'npx --no mlgen diff --base "$BASE_SHA" --format markdown >> "$GITHUB_STEP_SUMMARY"',
);

/**
 * Keeps the managed labels equal to what `mlgen diff` reports: adds the ones that apply, removes
 * the ones that no longer do, leaves every other label alone. Plain JavaScript run by `node {0}`,
 * every value from the environment.
 */
export const LABEL_SCRIPT = lines(
  'const fs = require("node:fs");',
  'const path = require("node:path");',
  'const env = process.env;',
  'const MANAGED = ' + JSON.stringify(REVIEW_LABELS) + ';',
  'const diff = JSON.parse(fs.readFileSync(path.join(env.RUNNER_TEMP, "mlgen-diff.json"), "utf8"));',
  'const wanted = Object.keys(MANAGED).filter((name) => diff.labels.includes(name));',
  'const shown = (list) => (list.length > 0 ? list.map((name) => "`" + name + "`").join(", ") : "none");',
  'const report = (text) => fs.appendFileSync(env.GITHUB_STEP_SUMMARY, "\\n" + text + "\\n");',
  '',
  '/** A read-only token is reported, not failed: a maintainer can set the labels by hand. */',
  'function notChanged(why) {',
  '  console.log("::warning::labels not changed: " + why + "; labels that apply: " + (wanted.join(", ") || "none"));',
  '  report("Labels not changed: " + why + ". Labels that apply: " + shown(wanted) + ".");',
  '}',
  '',
  'async function github(method, route, body) {',
  '  const res = await fetch(env.GITHUB_API_URL + route, {',
  '    method,',
  '    headers: {',
  '      accept: "application/vnd.github+json",',
  '      authorization: "Bearer " + env.GITHUB_TOKEN,',
  '      "x-github-api-version": "2022-11-28",',
  '      ...(body === undefined ? {} : { "content-type": "application/json" }),',
  '    },',
  '    body: body === undefined ? undefined : JSON.stringify(body),',
  '  });',
  '  const text = await res.text();',
  '  let json = null;',
  '  try {',
  '    json = text ? JSON.parse(text) : null;',
  '  } catch {}',
  '  return { status: res.status, json, what: method + " " + route + " answered " + res.status + ": " + text.slice(0, 300) };',
  '}',
  '',
  'const alreadyExists = (res) => res.status === 422 && ((res.json && res.json.errors) || []).some((e) => e.code === "already_exists");',
  '',
  'async function main() {',
  '  if (!/^[0-9]+$/.test(env.PR_NUMBER || "")) throw new Error("not a pull request number: " + env.PR_NUMBER);',
  '  if (env.HEAD_REPO !== env.GITHUB_REPOSITORY) {',
  '    return notChanged("this pull request comes from another repository (" + (env.HEAD_REPO || "deleted") + "), so its GITHUB_TOKEN is read-only");',
  '  }',
  '  const repo = "/repos/" + env.GITHUB_REPOSITORY;',
  '  const issue = repo + "/issues/" + env.PR_NUMBER + "/labels";',
  '  const listed = await github("GET", issue + "?per_page=100");',
  '  if (listed.status !== 200) throw new Error(listed.what);',
  '  const current = listed.json.map((label) => label.name);',
  '  const add = wanted.filter((name) => !current.includes(name));',
  '  const remove = Object.keys(MANAGED).filter((name) => current.includes(name) && !wanted.includes(name));',
  '  for (const name of add) {',
  '    const made = await github("POST", repo + "/labels", { name, ...MANAGED[name] });',
  '    if (made.status === 403) return notChanged("the token may not create labels (" + made.what + ")");',
  '    if (made.status !== 201 && !alreadyExists(made)) throw new Error(made.what);',
  '  }',
  '  // Never an empty list: POST with "labels": [] removes every label of the pull request.',
  '  if (add.length > 0) {',
  '    const added = await github("POST", issue, { labels: add });',
  '    if (added.status === 403) return notChanged("the token may not label this pull request (" + added.what + ")");',
  '    if (added.status !== 200) throw new Error(added.what);',
  '  }',
  '  for (const name of remove) {',
  '    const removed = await github("DELETE", issue + "/" + encodeURIComponent(name));',
  '    if (removed.status === 403) return notChanged("the token may not label this pull request (" + removed.what + ")");',
  '    if (removed.status !== 200 && removed.status !== 404) throw new Error(removed.what);',
  '  }',
  '  const changes = [...add.map((name) => "+" + name), ...remove.map((name) => "-" + name)];',
  '  report("Labels: " + shown(wanted) + (changes.length > 0 ? " (" + changes.join(", ") + ")" : "") + ".");',
  '}',
  '',
  'main().catch((err) => {',
  '  console.log("::error::labelling the pull request failed: " + err.message);',
  '  process.exitCode = 1;',
  '});',
);

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
      { name: 'Summarize the change against the base commit', shell: 'bash', env: { BASE_SHA: gh('github.event.pull_request.base.sha') }, run: SUMMARY_SCRIPT },
      {
        name: 'Label the pull request',
        shell: 'node {0}',
        env: {
          GITHUB_TOKEN: gh('github.token'),
          PR_NUMBER: gh('github.event.pull_request.number'),
          HEAD_REPO: gh('github.event.pull_request.head.repo.full_name'),
        },
        run: LABEL_SCRIPT,
      },
    ],
  };
}
