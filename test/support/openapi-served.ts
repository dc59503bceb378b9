/**
 * The two forms of a generated service's OpenAPI document in tests: the committed `openapi.yaml`
 * (what mlservice.yaml decides, referring to @mlservice/runtime's `openapi.yaml`), and the document
 * the service serves (the runtime's bundle of the two, runtime/src/openapi.ts). Tools that read the
 * committed file resolve its references from `node_modules`, so a directory they read gets
 * `node_modules/@mlservice/runtime` linked to the workspace package, as `npm ci` would install it.
 */
import { readFileSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { bundleOperations } from '../../runtime/src/openapi.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

type Doc = Record<string, unknown>;

/** @mlservice/runtime's `openapi.yaml`, parsed. */
export function runtimeDocument(): Doc {
  return parse(readFileSync(join(REPO, 'runtime/openapi.yaml'), 'utf8')) as Doc;
}

/** What the service serves for the committed document `doc`. */
export function servedDocument(doc: Doc): Doc {
  return bundleOperations(doc, runtimeDocument());
}

/** Makes `dir` resolve `./node_modules/@mlservice/runtime/openapi.yaml` like an installed project. */
export async function linkRuntimePackage(dir: string): Promise<void> {
  await mkdir(join(dir, 'node_modules/@mlservice'), { recursive: true });
  await symlink(join(REPO, 'runtime'), join(dir, 'node_modules/@mlservice/runtime'), 'dir');
}
