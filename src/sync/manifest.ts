import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ownership } from '../emit/types.js';
import { canonicalJson } from '../canonical.js';
import { generatorInfo } from '../version.js';
import { checkRelativePath } from './paths.js';

export const MANIFEST_PATH = '.mlgen/manifest.json';
export const MANIFEST_VERSION = 1;

export interface ManifestEntry {
  owner: Ownership;
  /**
   * `generated` only: sha256 of the bytes mlgen last wanted on disk (the hand-edit detector).
   * Scaffold and shared files record none: their content is the user's, and their template may
   * depend on what is on disk (pulled models), which must not make `mlgen check` report drift.
   */
  sha256?: string;
  /** `generated` only: git's blob id of the same bytes, a merge base `git cat-file` can fetch. */
  gitBlob?: string;
  emitter: string;
  inputs: string[];
}

export interface Manifest {
  manifestVersion: number;
  generator: { name: string; version: string };
  config: { path: string; sha256: string };
  files: Record<string, ManifestEntry>;
}

export type ManifestRead =
  | { kind: 'absent' }
  | { kind: 'ok'; manifest: Manifest; text: string }
  /** Unparseable (say, merge-conflict markers): treated as absent, rebuilt by the next sync. */
  | { kind: 'invalid'; text: string; reason: string };

export async function readManifest(root: string): Promise<ManifestRead> {
  let text: string;
  try {
    text = await readFile(join(root, MANIFEST_PATH), 'utf8');
  } catch {
    return { kind: 'absent' };
  }
  try {
    return { kind: 'ok', manifest: parseManifest(text), text };
  } catch (err) {
    return { kind: 'invalid', text, reason: (err as Error).message };
  }
}

function parseManifest(text: string): Manifest {
  const raw = JSON.parse(text) as Partial<Manifest>;
  if (raw.manifestVersion !== MANIFEST_VERSION) {
    throw new Error(`unsupported manifestVersion ${String(raw.manifestVersion)}`);
  }
  if (!raw.files || typeof raw.files !== 'object') throw new Error('no "files" map');
  for (const [path, entry] of Object.entries(raw.files)) {
    checkRelativePath(path, MANIFEST_PATH);
    if (!['generated', 'scaffold', 'shared'].includes(entry?.owner) || (entry.owner === 'generated' && typeof entry.sha256 !== 'string')) {
      throw new Error(`bad entry for ${path}`);
    }
  }
  return raw as Manifest;
}

export { canonicalJson, generatorInfo };
