import type { ServiceModel } from '../config/model.js';
import type { Emitter, OutputFile } from './types.js';
import { emitSpinnaker } from './spinnaker.js';
import { emitWorkflows } from './workflows.js';
import { emitOpenApi } from './openapi.js';
import { emitHelm } from './helm.js';
import { emitDockerfile } from './dockerfile.js';
import { emitGitattributes } from './gitattributes.js';
import { emitGitignore } from './gitignore.js';
import { emitTypeScript } from './typescript.js';
import { emitTypeScriptProject } from './typescript-project.js';

/** Every emitter, in a fixed order. Add one line per output module. */
export const emitters: ReadonlyArray<readonly [name: string, emit: Emitter]> = [
  ['spinnaker', emitSpinnaker],
  ['workflows', emitWorkflows],
  ['openapi', emitOpenApi],
  ['helm', emitHelm],
  ['dockerfile', emitDockerfile],
  ['gitattributes', emitGitattributes],
  ['gitignore', emitGitignore],
  ['typescript', emitTypeScript],
  ['typescript-project', emitTypeScriptProject],
];

/** Runs every emitter; the result is sorted by path so plans and manifests are stable. */
export function emitAll(model: ServiceModel): OutputFile[] {
  const files = emitters.flatMap(([, emit]) => emit(model));
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`internal: two emitters produce ${f.path}`);
    seen.add(f.path);
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
