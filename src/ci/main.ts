/**
 * `mlgen-ci`: the programs the generated GitHub workflows run, shipped in the generator package
 * (a devDependency of every generated project) instead of being written into each repository as
 * step scripts. A fix ships as a version bump; the workflow says what it runs and with which
 * values. Every value comes as an argument (from the step's `env:`, quoted, never interpolated
 * into script text); secrets (`SPINNAKER_WEBHOOK_URL`, `GITHUB_TOKEN`) come from the environment
 * only, so they never show in a process list or a log.
 * @see https://docs.github.com/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#understanding-the-risk-of-script-injections
 */
import { parseArgs } from 'node:util';
import { EXIT } from '../exit-codes.js';
import { triggerDeploy } from './deploy.js';
import { buildImage } from './image.js';
import { commitLock, pullModel, pullModels } from './models.js';
import { CiError } from './process.js';
import { reviewLabels, reviewSummary } from './review.js';

type Values = Record<string, string | boolean | undefined>;

interface CiCommand {
  /** What the step does, for the usage text. */
  description: string;
  /** Options that take a value; `flags` are on or off. */
  options: string[];
  flags?: string[];
  /** The `::error::` prefix when it fails. */
  failure: string;
  run(v: Values): void | Promise<void>;
}

export const CI_COMMANDS: Record<string, CiCommand> = {
  'pull-models': {
    description: 'mlgen models pull (--mode resolve) or exactly the locked versions (--mode locked)',
    options: ['mode'],
    failure: 'pulling the models failed',
    run: (v) => pullModels(text(v, 'mode')),
  },
  'pull-model': {
    description: 're-resolve one model and check the posted version is the one now locked',
    options: ['model', 'version'],
    failure: 'locking the posted model version failed',
    run: (v) => pullModel(text(v, 'model'), text(v, 'version')),
  },
  'commit-lock': {
    description: 'commit and push models.lock.json; the commit to deploy goes to the step output sha',
    options: ['model', 'version'],
    failure: 'committing models.lock.json failed',
    run: (v) => commitLock(text(v, 'model'), text(v, 'version')),
  },
  'build-image': {
    description: 'docker build with the identity build args from git and models.lock.json (then docker push, with --push)',
    options: ['image', 'version', 'source', 'tag'],
    flags: ['push'],
    failure: 'building the image failed',
    run: (v) => buildImage({ image: required(v, 'image'), version: required(v, 'version'), source: text(v, 'source'), tag: text(v, 'tag'), push: v.push === true }),
  },
  'trigger-deploy': {
    description: 'POST the deploy parameters to the Spinnaker webhook ($SPINNAKER_WEBHOOK_URL)',
    options: ['source', 'chart-repo', 'baseline', 'tag'],
    failure: 'triggering the Spinnaker pipeline failed',
    run: (v) => triggerDeploy({ source: required(v, 'source'), chartRepo: required(v, 'chart-repo'), baseline: text(v, 'baseline'), tag: text(v, 'tag') }),
  },
  'review-summary': {
    description: 'mlgen diff against the base commit into the job summary (and JSON for the labels)',
    options: ['base'],
    failure: 'summarizing the change failed',
    run: (v) => reviewSummary(text(v, 'base')),
  },
  'review-labels': {
    description: 'keep the api-breaking / deploy-impacting labels equal to what mlgen diff reported ($GITHUB_TOKEN)',
    options: ['pr', 'head-repo'],
    failure: 'labelling the pull request failed',
    run: (v) => reviewLabels(text(v, 'pr'), text(v, 'head-repo')),
  },
};

/** An option's value; empty when not given (a workflow passes an unset variable as ""). */
function text(v: Values, name: string): string {
  const value = v[name];
  return typeof value === 'string' ? value : '';
}

function required(v: Values, name: string): string {
  const value = text(v, name);
  if (!value) throw new CiError(`--${name} is required`, EXIT.usage);
  return value;
}

function usage(): string {
  const lines = Object.entries(CI_COMMANDS).map(([name, c]) => {
    const args = [...c.options.map((o) => `--${o}=<${o}>`), ...(c.flags ?? []).map((f) => `[--${f}]`)];
    return `  ${name} ${args.join(' ')}\n      ${c.description}`;
  });
  return `usage: mlgen-ci <command> [--option=value ...]\n${lines.join('\n')}\n`;
}

/** Runs one command; returns the exit code (a failure is one `::error::` line, no stack). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : CI_COMMANDS[name];
  if (!command) {
    process.stderr.write(name === undefined || name === '--help' ? usage() : `mlgen-ci: unknown command ${JSON.stringify(name)}\n${usage()}`);
    return name === '--help' ? EXIT.ok : EXIT.usage;
  }
  let values: Values;
  try {
    const options = Object.fromEntries([...command.options.map((o) => [o, { type: 'string' as const }]), ...(command.flags ?? []).map((f) => [f, { type: 'boolean' as const }])]);
    values = parseArgs({ args: rest, options, strict: true, allowPositionals: false }).values as Values;
  } catch (err) {
    process.stderr.write(`mlgen-ci ${name}: ${(err as Error).message}\n${usage()}`);
    return EXIT.usage;
  }
  try {
    await command.run(values);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof CiError)) throw err;
    console.log(`::error::${command.failure}: ${err.message}`);
    return err.exitCode;
  }
}
