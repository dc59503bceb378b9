/**
 * The pull-request steps of ci.yml's `review` job: what the config change means, next to the
 * generated diff (see src/emit/workflows-review.ts for the job and GitHub's contract it relies on).
 * @see https://docs.github.com/rest/issues/labels
 * @see https://docs.github.com/actions/writing-workflows/choosing-what-your-workflow-does/workflow-commands-for-github-actions#adding-a-job-summary
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REVIEW_LABELS } from '../emit/workflows-review.js';
import { EXIT } from '../exit-codes.js';
import { CiError, mlgen, runnerFile, summarize } from './process.js';

const DIFF_FILE = 'mlgen-diff.json';

/**
 * `mlgen-ci review-summary --base <sha>`: `mlgen diff` against the commit the pull request merges
 * into, as JSON for the labels step (`$RUNNER_TEMP/mlgen-diff.json`) and as markdown into the job
 * summary. When the base cannot be read the summary says where the reason is; the log has its code
 * and fix.
 */
export function reviewSummary(base: string | undefined): void {
  if (!base) throw new CiError('--base is empty: this step runs on pull_request events only', EXIT.usage);
  let json: string;
  try {
    json = mlgen(['diff', '--base', base, '--format', 'json'], { capture: true });
  } catch (err) {
    summarize(`mlgen diff could not compare with the base commit ${base}: the log of this step has the reason and its fix.\n`);
    throw err;
  }
  writeFileSync(join(runnerFile('RUNNER_TEMP'), DIFF_FILE), json);
  summarize(mlgen(['diff', '--base', base, '--format', 'markdown'], { capture: true }));
}

interface Answer {
  status: number;
  json: unknown;
  what: string;
}

async function github(method: string, route: string, body?: unknown): Promise<Answer> {
  const env = process.env;
  const res = await fetch(`${env.GITHUB_API_URL ?? 'https://api.github.com'}${route}`, {
    method,
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${env.GITHUB_TOKEN ?? ''}`,
      'x-github-api-version': '2022-11-28',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, json, what: `${method} ${route} answered ${res.status}: ${text.slice(0, 300)}` };
}

const alreadyExists = (res: Answer) => res.status === 422 && ((res.json as { errors?: Array<{ code?: string }> } | null)?.errors ?? []).some((e) => e.code === 'already_exists');

const shown = (list: string[]) => (list.length > 0 ? list.map((name) => `\`${name}\``).join(', ') : 'none');

/**
 * `mlgen-ci review-labels --pr <n> --head-repo <owner/name>`: keeps the labels `mlgen diff`
 * manages equal to what it reported (adds the ones that apply, removes the ones that no longer do,
 * leaves every other label alone). The token (`GITHUB_TOKEN`) comes from the environment. A
 * read-only token (a fork's pull request, missing rights) is reported, not failed: a maintainer
 * can set the labels by hand.
 */
export async function reviewLabels(pr: string | undefined, headRepo: string | undefined): Promise<void> {
  const env = process.env;
  const diff = JSON.parse(readFileSync(join(runnerFile('RUNNER_TEMP'), DIFF_FILE), 'utf8')) as { labels: string[] };
  const managed = Object.keys(REVIEW_LABELS) as Array<keyof typeof REVIEW_LABELS>;
  const wanted = managed.filter((name) => diff.labels.includes(name));
  const notChanged = (why: string) => {
    console.log(`::warning::labels not changed: ${why}; labels that apply: ${wanted.join(', ') || 'none'}`);
    summarize(`\nLabels not changed: ${why}. Labels that apply: ${shown(wanted)}.\n`);
  };
  if (!/^[0-9]+$/.test(pr ?? '')) throw new CiError(`not a pull request number: ${pr}`, EXIT.usage);
  if (headRepo !== env.GITHUB_REPOSITORY) {
    return notChanged(`this pull request comes from another repository (${headRepo || 'deleted'}), so its GITHUB_TOKEN is read-only`);
  }
  const repo = `/repos/${env.GITHUB_REPOSITORY}`;
  const issue = `${repo}/issues/${pr}/labels`;
  const listed = await github('GET', `${issue}?per_page=100`);
  if (listed.status !== 200) throw new CiError(listed.what, EXIT.unavailable);
  const current = (listed.json as Array<{ name: string }>).map((label) => label.name);
  const add = wanted.filter((name) => !current.includes(name));
  const remove = managed.filter((name) => current.includes(name) && !wanted.includes(name));
  for (const name of add) {
    const made = await github('POST', `${repo}/labels`, { name, ...REVIEW_LABELS[name] });
    if (made.status === 403) return notChanged(`the token may not create labels (${made.what})`);
    if (made.status !== 201 && !alreadyExists(made)) throw new CiError(made.what, EXIT.unavailable);
  }
  // Never an empty list: POST with "labels": [] removes every label of the pull request.
  if (add.length > 0) {
    const added = await github('POST', issue, { labels: add });
    if (added.status === 403) return notChanged(`the token may not label this pull request (${added.what})`);
    if (added.status !== 200) throw new CiError(added.what, EXIT.unavailable);
  }
  for (const name of remove) {
    const removed = await github('DELETE', `${issue}/${encodeURIComponent(name)}`);
    if (removed.status === 403) return notChanged(`the token may not label this pull request (${removed.what})`);
    if (removed.status !== 200 && removed.status !== 404) throw new CiError(removed.what, EXIT.unavailable);
  }
  const changes = [...add.map((name) => `+${name}`), ...remove.map((name) => `-${name}`)];
  summarize(`\nLabels: ${shown(wanted)}${changes.length > 0 ? ` (${changes.join(', ')})` : ''}.\n`);
}
