/**
 * Runs chosen steps of a generated GitHub Actions job for real, the way the runner does: each
 * `run` text is written to a file under $RUNNER_TEMP and run with the step's shell (`bash
 * --noprofile --norc -eo pipefail {0}` or the custom `node {0}`), the step's `env` has its
 * `${{ }}` expressions replaced from a given context (an unknown expression is an error), and
 * `KEY=VALUE` lines a step appends to $GITHUB_ENV reach the steps after it.
 * Commands that need the outside world (git, docker) are stand-ins on PATH that the caller writes.
 * @see https://docs.github.com/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idstepsshell
 * @see https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands#setting-an-environment-variable
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Step {
  name?: string;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
}

export interface StepsOptions {
  /** Working directory (the checked-out repository). */
  cwd: string;
  /** Scratch directory: $RUNNER_TEMP, the step scripts, $GITHUB_ENV and the stand-in commands. */
  temp: string;
  /** Values of the `${{ ... }}` expressions the steps use, by expression text. */
  context: Record<string, string>;
  /** Stand-in executables put first on PATH: name -> POSIX sh script body. */
  commands: Record<string, string>;
}

function expand(value: string, context: Record<string, string>): string {
  return value.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_m, expr: string) => {
    if (!(expr in context)) throw new Error(`no value for the expression \${{ ${expr} }}`);
    return context[expr]!;
  });
}

function command(step: Step, file: string): string[] {
  // No `shell:` on a Linux runner is `bash -e {0}`.
  if (step.shell === undefined) return ['bash', '-e', file];
  if (step.shell === 'bash') return ['bash', '--noprofile', '--norc', '-eo', 'pipefail', file];
  if (step.shell === 'node {0}') return [process.execPath, file];
  throw new Error(`step "${step.name}": shell ${String(step.shell)} is not handled here`);
}

/**
 * The job's steps by name, the stand-in commands written to `<temp>/bin`, an empty $GITHUB_ENV
 * file, and per step: its script file and its `env` with the expressions replaced.
 */
function prepareJob(workflowText: string, job: string, o: StepsOptions) {
  const steps = (parse(workflowText) as { jobs: Record<string, { steps: Step[] }> }).jobs[job]!.steps;
  const bin = join(o.temp, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const [name, body] of Object.entries(o.commands)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const githubEnv = join(o.temp, 'github-env');
  writeFileSync(githubEnv, '');
  const stepAt = (name: string, i: number) => {
    const step = steps.find((s) => s.name === name);
    if (!step?.run) throw new Error(`job ${job} has no run step named "${name}"`);
    const file = join(o.temp, `step-${i}`);
    writeFileSync(file, step.run);
    const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), o.context)]));
    return { step, file, env };
  };
  return { bin, githubEnv, stepAt };
}

/** Runs the named steps of `job` in order; returns the job environment after the last one. */
export function runSteps(workflowText: string, job: string, names: string[], o: StepsOptions): Record<string, string> {
  const { bin, githubEnv, stepAt } = prepareJob(workflowText, job, o);
  let jobEnv: Record<string, string> = {};
  names.forEach((name, i) => {
    const { step, file, env: stepEnv } = stepAt(name, i);
    const env = { PATH: `${bin}:${process.env.PATH}`, HOME: o.temp, RUNNER_TEMP: o.temp, GITHUB_ENV: githubEnv, ...jobEnv, ...stepEnv };
    const [exe, ...args] = command(step, file);
    const r = spawnSync(exe!, args, { cwd: o.cwd, env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`step "${name}" failed (${r.status}): ${r.stderr}`);
    jobEnv = { ...jobEnv, ...parseEnvFile(readFileSync(githubEnv, 'utf8')) };
  });
  return jobEnv;
}

/** `KEY=VALUE` lines (the only $GITHUB_ENV form the generated steps write). */
function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const eq = line.indexOf('=');
    if (eq < 1) throw new Error(`unexpected $GITHUB_ENV line: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/**
 * The `--build-arg` values of a recorded `docker build` command line (one argument per line), in
 * both spellings the workflow uses: `--build-arg K=V` and `--build-arg=K=V`.
 */
export function buildArgsOf(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const pair = a === '--build-arg' ? argv[++i]! : a.startsWith('--build-arg=') ? a.slice('--build-arg='.length) : undefined;
    if (pair === undefined) continue;
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export interface StepRun {
  name: string;
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface JobRun {
  steps: StepRun[];
  /** The job summary: each step's $GITHUB_STEP_SUMMARY file, in step order, as GitHub shows it. */
  summary: string;
}

/**
 * Like `runSteps`, but asynchronous (a test may serve HTTP from this same process to the steps)
 * and reporting instead of throwing: the named steps run in order until one fails, as a runner
 * skips the steps after a failure. Each step gets its own $GITHUB_STEP_SUMMARY file. `env` holds
 * the runner's default variables the steps read (GITHUB_REPOSITORY, GITHUB_API_URL ...).
 * @see https://docs.github.com/actions/reference/workflows-and-actions/variables#default-environment-variables
 */
export async function runStepsAsync(workflowText: string, job: string, names: string[], o: StepsOptions & { env?: Record<string, string> }): Promise<JobRun> {
  const { bin, githubEnv, stepAt } = prepareJob(workflowText, job, o);
  let jobEnv: Record<string, string> = {};
  const runs: StepRun[] = [];
  const summaries: string[] = [];
  for (const [i, name] of names.entries()) {
    const { step, file, env: stepEnv } = stepAt(name, i);
    const summaryFile = join(o.temp, `step-summary-${i}`);
    writeFileSync(summaryFile, '');
    const base = { PATH: `${bin}:${process.env.PATH}`, HOME: o.temp, RUNNER_TEMP: o.temp, GITHUB_ENV: githubEnv, GITHUB_STEP_SUMMARY: summaryFile };
    const [exe, ...args] = command(step, file);
    const run = await spawnAsync(exe!, args, o.cwd, { ...base, ...o.env, ...jobEnv, ...stepEnv });
    runs.push({ name, ...run });
    summaries.push(readFileSync(summaryFile, 'utf8'));
    if (run.status !== 0) break;
    jobEnv = { ...jobEnv, ...parseEnvFile(readFileSync(githubEnv, 'utf8')) };
  }
  return { steps: runs, summary: summaries.join('') };
}

function spawnAsync(exe: string, args: string[], cwd: string, env: Record<string, string>): Promise<Omit<StepRun, 'name'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(exe, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
