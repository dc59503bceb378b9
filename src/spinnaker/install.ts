/**
 * `mlgen spinnaker install`: puts the committed `deploy/spinnaker/` files into Spinnaker, safely
 * repeatable. The canary config goes first (the deploy pipeline names it by id), then the
 * pipelines. Each object is read back first and written only when it differs:
 * - a canary config is upserted by its `id` (PUT when it exists, POST otherwise), as
 *   `spin canary canary-config save` does;
 * - a pipeline is looked up by application and name and saved with POST /pipelines, as
 *   `spin pipeline save` does; when a pipeline of that name was saved earlier under another id
 *   (by hand, or by `spin` from a file without an id) its id is kept, so front50's duplicate-name
 *   check passes and its execution history stays with it.
 * "Differs" means some value of the file is not in what the server holds (servers add fields
 * such as timestamps, never remove ours), compared as JSON.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT } from '../diagnostics.js';
import { SPINNAKER_PATHS } from '../emit/spinnaker-names.js';
import { SpinnakerError } from './codes.js';
import type { Json, SpinnakerApi } from './gate.js';

export type Action = 'create' | 'update' | 'unchanged';

export interface InstallStep {
  kind: 'canary config' | 'pipeline';
  /** `<id>` for a canary config, `<application>/<name>` for a pipeline. */
  name: string;
  file: string;
  action: Action;
  /** Set when the pipeline exists under another id, which is kept. */
  adoptedId?: string;
}

/** The files to install, in install order. */
const FILES: ReadonlyArray<{ kind: InstallStep['kind']; file: string; required: string[] }> = [
  { kind: 'canary config', file: SPINNAKER_PATHS.canaryConfig, required: ['id', 'name', 'applications'] },
  { kind: 'pipeline', file: SPINNAKER_PATHS.pipeline, required: ['id', 'application', 'name'] },
  { kind: 'pipeline', file: SPINNAKER_PATHS.rollback, required: ['id', 'application', 'name'] },
];

async function readObject(root: string, file: string, required: string[]): Promise<Json> {
  const fix = 'run `mlgen sync` to regenerate deploy/spinnaker/, then commit it';
  let text: string;
  try {
    text = await readFile(path.join(root, file), 'utf8');
  } catch {
    throw new SpinnakerError('SPINNAKER.FILE_INVALID', `${file} cannot be read`, fix, file, EXIT.invalidConfig);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new SpinnakerError('SPINNAKER.FILE_INVALID', `${file} is not JSON: ${(e as Error).message}`, fix, file, EXIT.invalidConfig);
  }
  const obj = value as Json;
  const missing = required.filter((k) => obj === null || typeof obj !== 'object' || obj[k] === undefined || obj[k] === '');
  if (missing.length) throw new SpinnakerError('SPINNAKER.FILE_INVALID', `${file} has no ${missing.join(', ')}`, fix, file, EXIT.invalidConfig);
  return obj;
}

/** Every value of `want` is in `have` (objects: key by key; arrays: same length, element by element). */
export function contains(have: unknown, want: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(have) && have.length === want.length && want.every((w, i) => contains(have[i], w));
  if (want !== null && typeof want === 'object') {
    if (have === null || typeof have !== 'object' || Array.isArray(have)) return false;
    return Object.entries(want as Json).every(([k, v]) => contains((have as Json)[k], v));
  }
  return have === want;
}

async function canaryStep(api: SpinnakerApi, config: Json, file: string, dryRun: boolean): Promise<InstallStep> {
  const id = String(config.id);
  const stored = await api.canaryConfig(id);
  const action: Action = !stored ? 'create' : contains(stored, config) ? 'unchanged' : 'update';
  if (!dryRun && action === 'create') await api.createCanaryConfig(config);
  if (!dryRun && action === 'update') await api.updateCanaryConfig(id, config);
  return { kind: 'canary config', name: id, file, action };
}

async function pipelineStep(api: SpinnakerApi, pipeline: Json, file: string, dryRun: boolean): Promise<InstallStep> {
  const application = String(pipeline.application);
  const name = String(pipeline.name);
  const stored = await api.pipeline(application, name);
  const storedId = typeof stored?.id === 'string' ? stored.id : undefined;
  const adoptedId = storedId && storedId !== pipeline.id ? storedId : undefined;
  const body = adoptedId ? { ...pipeline, id: adoptedId } : pipeline;
  const action: Action = !stored ? 'create' : contains(stored, body) ? 'unchanged' : 'update';
  if (!dryRun && action !== 'unchanged') await api.savePipeline(body);
  return { kind: 'pipeline', name: `${application}/${name}`, file, action, ...(adoptedId ? { adoptedId } : {}) };
}

/** Installs (or, with `dryRun`, plans) the project's Spinnaker objects; every file is read and checked first. */
export async function installSpinnaker(root: string, api: SpinnakerApi, dryRun: boolean): Promise<InstallStep[]> {
  const objects = await Promise.all(FILES.map(async (f) => ({ ...f, value: await readObject(root, f.file, f.required) })));
  const steps: InstallStep[] = [];
  for (const o of objects) {
    steps.push(o.kind === 'canary config' ? await canaryStep(api, o.value, o.file, dryRun) : await pipelineStep(api, o.value, o.file, dryRun));
  }
  return steps;
}

/** One line per object: `pipeline reco/activity-ranker-deploy: updated`. */
export function describeStep(s: InstallStep, dryRun: boolean): string {
  const done: Record<Action, string> = { create: 'created', update: 'updated', unchanged: 'unchanged' };
  const planned: Record<Action, string> = { create: 'would create', update: 'would update', unchanged: 'unchanged' };
  const adopted = s.adoptedId ? ` (saved earlier under id ${s.adoptedId}, which is kept)` : '';
  return `${s.kind} ${s.name}: ${(dryRun ? planned : done)[s.action]}${adopted}`;
}
