import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../exit-codes.js';

/**
 * A failure the step reports as one `::error::` line (no stack): bad input, a failed command. Its
 * exit code comes from the EXIT table (src/exit-codes.ts), or is the failed command's own.
 */
export class CiError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CiError';
  }
}

/** The `mlgen` CLI of this same package, so the step runs the generator that wrote the files. */
export const MLGEN_BIN = fileURLToPath(new URL('../../../bin/mlgen.js', import.meta.url));

/**
 * Runs a command with inherited output (it shows in the step's log) and fails the step with its
 * exit code when it fails. Arguments are passed as they are: no shell, no word splitting.
 */
export function run(command: string, args: string[], options: { capture?: boolean } = {}): string {
  const r = spawnSync(command, args, { stdio: ['ignore', options.capture ? 'pipe' : 'inherit', 'inherit'], encoding: 'utf8' });
  if (r.error) throw new CiError(`${command} could not run: ${r.error.message}`, EXIT.unavailable);
  // Its own exit code passes through (mlgen's come from the same table); killed by a signal: unavailable.
  if (r.status !== 0) throw new CiError(`${command} ${args[0] ?? ''} failed (exit ${r.status ?? r.signal})`, r.status ?? EXIT.unavailable);
  return options.capture ? r.stdout : '';
}

/** `mlgen <args>` with this package's CLI. */
export function mlgen(args: string[], options: { capture?: boolean } = {}): string {
  return run(process.execPath, [MLGEN_BIN, ...args], options);
}

/** The checked-out commit: the image tag and the deployed revision. */
export function headCommit(): string {
  return run('git', ['rev-parse', 'HEAD'], { capture: true }).trim();
}

/** A variable the runner sets; a clear error when the step runs elsewhere. */
export function runnerFile(name: 'GITHUB_OUTPUT' | 'GITHUB_STEP_SUMMARY' | 'RUNNER_TEMP'): string {
  const value = process.env[name];
  if (!value) throw new CiError(`${name} is not set: this command runs as a GitHub Actions step`, EXIT.usage);
  return value;
}

/** Appends `text` to the job summary. */
export function summarize(text: string): void {
  appendFileSync(runnerFile('GITHUB_STEP_SUMMARY'), text);
}

/** A model name as mlservice.yaml allows it (DNS-1123 label): never an option, never two words. */
export function modelName(value: string | undefined): string {
  if (!value || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)) throw new CiError(`not a model name: ${JSON.stringify(value ?? '')}`, EXIT.usage);
  return value;
}

/** A registry version as a training job posts it (MLflow: a number; other registries: a short token). */
export function modelVersion(value: string | undefined): string {
  if (!value || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(value)) throw new CiError(`not a model version: ${JSON.stringify(value ?? '')}`, EXIT.usage);
  return value;
}
