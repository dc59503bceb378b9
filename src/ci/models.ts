import { appendFileSync } from 'node:fs';
import { readModelsLock } from '@mlservice/runtime/models-lock';
import { EXIT } from '../exit-codes.js';
import { LOCK_FILE } from './lock.js';
import { CiError, headCommit, mlgen, modelName, modelVersion, run, runnerFile } from './process.js';

/** The `mlgen` arguments each pull runs (test/models checks every flag is an option of `models pull`). */
export const PULL_ARGS = {
  resolve: ['models', 'pull'],
  locked: ['models', 'pull', '--locked'],
  only: (name: string) => ['models', 'pull', '--only', name],
} as const;

/**
 * `mlgen-ci pull-models --mode resolve|locked`: `resolve` pulls the sources in mlservice.yaml and
 * rewrites the lock; `locked` (a hotfix deploy: this code, the models already locked) fetches
 * exactly the locked versions and verifies their digests.
 */
export function pullModels(mode: string): void {
  if (mode !== 'resolve' && mode !== 'locked') throw new CiError(`--mode must be resolve or locked, not ${JSON.stringify(mode)}`, EXIT.usage);
  mlgen([...PULL_ARGS[mode]]);
}

/**
 * `mlgen-ci pull-model --model <name> --version <v>` (retrain): re-resolves only the posted model
 * (the lock keeps every other one), then checks that the version now locked is the one the
 * training job posted; otherwise the model's source in mlservice.yaml does not follow the
 * registry (a pinned version) and deploying would ship something else.
 */
export async function pullModel(model: string | undefined, posted: string | undefined): Promise<void> {
  const name = modelName(model);
  const version = modelVersion(posted);
  mlgen(PULL_ARGS.only(name));
  const lock = await readModelsLock(LOCK_FILE);
  const entry = lock?.models[name];
  if (!entry) throw new CiError(`model ${JSON.stringify(name)} is not in ${LOCK_FILE}`, EXIT.invalidConfig);
  const locked = entry.registry ? entry.registry.version : null;
  if (locked !== version) {
    throw new CiError(
      `${name} resolved to version ${locked}, not ${version}. Point its source in mlservice.yaml at an alias (models:/<name>@champion) that the training job moves.`,
      EXIT.invalidConfig,
    );
  }
  console.log(`${name} locked at version ${locked}`);
}

/**
 * `mlgen-ci commit-lock --model <name> --version <v>` (retrain): commits models.lock.json as the
 * Actions bot and pushes it to the branch the workflow runs on (`$GITHUB_REF_NAME`); the commit
 * to deploy (the new one, or HEAD when the lock did not change) goes to the step output `sha`.
 */
export function commitLock(model: string | undefined, posted: string | undefined): void {
  const name = modelName(model);
  const version = modelVersion(posted);
  const branch = process.env.GITHUB_REF_NAME;
  if (!branch) throw new CiError('GITHUB_REF_NAME is not set: this command runs as a GitHub Actions step', EXIT.usage);
  run('git', ['config', 'user.name', 'github-actions[bot]']);
  run('git', ['config', 'user.email', '41898282+github-actions[bot]@users.noreply.github.com']);
  run('git', ['add', LOCK_FILE]);
  const staged = run('git', ['diff', '--cached', '--name-only'], { capture: true }).trim();
  if (staged === '') console.log(`${LOCK_FILE} unchanged`);
  else {
    run('git', ['commit', '-m', `Lock model ${name} version ${version}`, '-m', 'Posted by a training job (retrain workflow).']);
    run('git', ['push', 'origin', `HEAD:${branch}`]);
  }
  appendFileSync(runnerFile('GITHUB_OUTPUT'), `sha=${headCommit()}\n`);
}
