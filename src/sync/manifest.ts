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
  /**
   * `generated` only: the file carries a local change the user chose to keep (`mlgen sync --merge`).
   * The file on disk is `local.sha256`; it is mlgen's output (`sha256` above, the base it was
   * merged onto) plus `local.patch`. `mlgen check` passes while the file is exactly that, and
   * later syncs re-apply the change by three-way merge.
   */
  local?: LocalChangeRecord;
  emitter: string;
  inputs: string[];
}

export interface LocalChangeRecord {
  /** sha256 of the bytes the user chose (the merged file). */
  sha256: string;
  /**
   * The local change as a unified diff from mlgen's output to the file, one line per item: what
   * reviewers read, and how the base is rebuilt in a fresh clone (git never held those bytes).
   */
  patch: string[];
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

/** Parses and checks manifest text (throws on anything malformed). */
export function parseManifest(text: string): Manifest {
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
    if (entry.local !== undefined && !isLocalRecord(entry.local, entry.owner)) throw new Error(`bad local change for ${path}`);
  }
  return raw as Manifest;
}

function isLocalRecord(local: unknown, owner: Ownership): boolean {
  const l = local as Partial<LocalChangeRecord> | null;
  return (
    owner === 'generated' &&
    typeof l === 'object' &&
    l !== null &&
    typeof l.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(l.sha256) &&
    Array.isArray(l.patch) &&
    l.patch.every((line) => typeof line === 'string')
  );
}

export { canonicalJson, generatorInfo };
