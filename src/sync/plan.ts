import { readFile, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DiagnosticError, EXIT, type Diagnostic } from '../diagnostics.js';
import type { OutputFile } from '../emit/types.js';
import { SYNC_CODES } from './codes.js';
import { resolveConflicts } from './conflicts.js';
import { sha256, gitBlobId } from './hash.js';
import { MANIFEST_PATH, MANIFEST_VERSION, canonicalJson, generatorInfo, readManifest, type Manifest, type ManifestEntry } from './manifest.js';
import { keptLocalText, localRecord } from './local-change.js';
import { checkRelativePath, resolveInside } from './paths.js';
import type { Plan, PlanEntry, SyncOptions } from './types.js';

export interface ConfigSource {
  /** Config path relative to the root, as recorded in the manifest. */
  path: string;
  text: string;
}

/**
 * Compares what the emitters want (N), what mlgen last wrote (the manifest, M) and what is on
 * disk (D), and decides an action per path. Reads the disk (and git objects for merge bases);
 * never writes. Dry-run, check and sync all go through this one function, so their verdicts agree.
 */
export async function planSync(rootDir: string, files: OutputFile[], config: ConfigSource, options: SyncOptions = {}): Promise<Plan> {
  const root = resolve(rootDir);
  const realRoot = await realpath(root);
  const previousManifest = await readManifest(root);
  const prevFiles = previousManifest.kind === 'ok' ? previousManifest.manifest.files : {};
  const diagnostics: Diagnostic[] = [];
  if (previousManifest.kind === 'invalid') diagnostics.push(invalidManifest(previousManifest.reason));
  if (previousManifest.kind === 'ok') diagnostics.push(...versionChange(previousManifest.manifest));

  const entries: PlanEntry[] = [];
  const wanted = new Set<string>();
  for (const f of files) {
    checkRelativePath(f.path, `emitter ${f.emitter}`);
    if (f.path === MANIFEST_PATH || wanted.has(f.path)) {
      throw new Error(`internal: ${f.path} is emitted twice or collides with the manifest (emitter ${f.emitter})`);
    }
    wanted.add(f.path);
    const before = await readIfExists(await resolveInside(root, realRoot, f.path), f.path);
    entries.push(classifyWanted(f, before, prevFiles[f.path], diagnostics));
  }
  for (const [path, prev] of Object.entries(prevFiles)) {
    if (wanted.has(path) || path === MANIFEST_PATH) continue;
    const before = await readIfExists(await resolveInside(root, realRoot, path), path);
    const entry = classifyStale(path, prev, before);
    if (entry) entries.push(entry);
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  diagnostics.push(...(await resolveConflicts(root, entries, prevFiles, options)));
  diagnostics.push(...orphanWarnings(entries));
  const nextManifest = buildManifest(files, entries, prevFiles, config);
  const manifestEntry = await manifestPlanEntry(await resolveInside(root, realRoot, MANIFEST_PATH), nextManifest);
  entries.push(manifestEntry);
  const refused = entries.some((e) => e.resolution === 'refused');
  return { entries, manifestEntry, previousManifest, nextManifest, diagnostics, refused };
}

async function readIfExists(abs: string, path = MANIFEST_PATH): Promise<Buffer | undefined> {
  try {
    return await readFile(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code !== 'EISDIR' && code !== 'ENOTDIR') throw err;
    throw new DiagnosticError(
      [
        {
          code: SYNC_CODES.NOT_A_FILE,
          severity: 'error',
          message: `mlgen writes a file at ${path}, but ${code === 'EISDIR' ? 'a directory is there' : 'one of its parents is a file'}`,
          fix: 'move the directory or file out of the way, then sync again',
          file: path,
          line: 0,
          col: 0,
        },
      ],
      EXIT.conflict,
    );
  }
}

function classifyWanted(f: OutputFile, before: Buffer | undefined, prev: ManifestEntry | undefined, diagnostics: Diagnostic[]): PlanEntry {
  const base = { path: f.path, owner: f.owner, emitter: f.emitter, before, mode: f.mode };
  if (before === undefined) {
    // A user-owned file is created already carrying its own update (idempotent by contract), so
    // the next sync finds nothing to add.
    const initial = f.owner !== 'generated' && f.update ? f.update(f.content) : f.content;
    return { ...base, action: 'create', after: initial, desired: f.content };
  }
  if (f.owner === 'generated') {
    const disk = sha256(before);
    if (disk === sha256(f.content)) return { ...base, action: 'unchanged', desired: f.content };
    if (prev?.owner === 'generated' && disk === prev.sha256) {
      return { ...base, action: 'update', after: f.content, desired: f.content };
    }
    if (prev?.owner === 'generated' && prev.local && disk === prev.local.sha256) {
      // The local change the user chose to keep: left alone, or re-applied onto the new output.
      if (prev.sha256 === sha256(f.content)) return { ...base, action: 'local', desired: f.content };
      return { ...base, action: 'update', desired: f.content, reapply: true };
    }
    return { ...base, action: prev?.owner === 'generated' ? 'conflict' : 'collision', desired: f.content };
  }
  // Scaffold and shared files belong to the user once they exist; `update` may only make its
  // own idempotent change, and it is applied only when it changes something.
  const existing = before.toString('utf8');
  let next = existing;
  try {
    next = f.update ? f.update(existing) : existing;
  } catch (err) {
    diagnostics.push(...updateFailed(f.path, err));
  }
  if (next !== existing) return { ...base, action: 'update', after: next };
  return { ...base, action: f.owner === 'scaffold' ? 'scaffold-skip' : 'unchanged' };
}

function classifyStale(path: string, prev: ManifestEntry, before: Buffer | undefined): PlanEntry | undefined {
  const base = { path, owner: prev.owner, emitter: prev.emitter, before };
  if (prev.owner !== 'generated') return { ...base, action: 'scaffold-skip' };
  if (before === undefined) return undefined; // already gone; the manifest just forgets it
  // Delete only what still hashes to what mlgen wrote: never destroy user work.
  return { ...base, action: sha256(before) === prev.sha256 ? 'delete' : 'orphan-edited' };
}

/** The manifest after this sync: entries of unresolved conflicts keep their old state. */
function buildManifest(files: OutputFile[], entries: PlanEntry[], prevFiles: Record<string, ManifestEntry>, config: ConfigSource): Manifest {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const out: Record<string, ManifestEntry> = {};
  for (const f of files) {
    const res = byPath.get(f.path)?.resolution;
    if (res === 'refused' || res === 'no-base') {
      const prev = prevFiles[f.path];
      if (prev) out[f.path] = prev;
      continue;
    }
    const entry: ManifestEntry = { owner: f.owner, emitter: f.emitter, inputs: [...f.inputs] };
    if (f.owner === 'generated') Object.assign(entry, { sha256: sha256(f.content), gitBlob: gitBlobId(f.content) });
    const e = byPath.get(f.path);
    const kept = e ? keptLocalText(e) : undefined;
    const local = kept === undefined ? undefined : localRecord(f.path, f.content, kept);
    if (local) entry.local = local;
    out[f.path] = entry;
  }
  return {
    manifestVersion: MANIFEST_VERSION,
    generator: generatorInfo(),
    config: { path: config.path, sha256: sha256(config.text) },
    files: out,
  };
}

async function manifestPlanEntry(abs: string, next: Manifest): Promise<PlanEntry> {
  const text = canonicalJson(next);
  const before = await readIfExists(abs);
  const action = before === undefined ? 'create' : before.toString('utf8') === text ? 'unchanged' : 'update';
  return {
    path: MANIFEST_PATH,
    action,
    owner: 'generated',
    emitter: 'sync',
    before,
    desired: text,
    after: action === 'unchanged' ? undefined : text,
  };
}

function orphanWarnings(entries: PlanEntry[]): Diagnostic[] {
  return entries
    .filter((e) => e.action === 'orphan-edited')
    .map((e) => ({
      code: SYNC_CODES.ORPHAN_EDITED,
      severity: 'warning' as const,
      message: 'mlgen no longer generates this file, but it was edited by hand, so it is kept and is yours now',
      fix: 'delete it if you do not need it; mlgen will not touch it again',
      file: e.path,
      line: 0,
      col: 0,
    }));
}

function invalidManifest(reason: string): Diagnostic {
  return {
    code: SYNC_CODES.MANIFEST_INVALID,
    severity: 'warning',
    message: `cannot read ${MANIFEST_PATH} (${reason}); treating the project as never synced`,
    fix: 'never resolve manifest merge conflicts by hand: this sync rebuilds it',
    file: MANIFEST_PATH,
    line: 0,
    col: 0,
  };
}

/**
 * A different mlgen wrote the manifest: said on its own line so CI can tell "bumped mlgen" from
 * "forgot to regenerate" (the version change alone is also drift, since the manifest records it).
 */
function versionChange(prev: Manifest): Diagnostic[] {
  const now = generatorInfo();
  if (prev.generator?.version === now.version) return [];
  return [
    {
      code: SYNC_CODES.GENERATOR_VERSION,
      severity: 'warning',
      message: `${MANIFEST_PATH} was written by ${prev.generator?.name ?? '?'} ${prev.generator?.version ?? '?'}; this is ${now.name} ${now.version}`,
      fix: 'run `mlgen sync` with this version and commit the result together with the version bump',
      file: MANIFEST_PATH,
      line: 0,
      col: 0,
    },
  ];
}

/**
 * A user file `update` cannot handle (say, a hooks file that no longer parses) is left alone. An
 * update that explains itself with diagnostics (SYNC.PACKAGE_JSON_INVALID) keeps its code and fix,
 * as a warning: the sync goes on without that file.
 */
function updateFailed(path: string, err: unknown): Diagnostic[] {
  if (err instanceof DiagnosticError) {
    return err.diagnostics.map((d) => ({ ...d, severity: 'warning' as const, message: `${d.message}; left unchanged` }));
  }
  return [
    {
      code: SYNC_CODES.UPDATE_SKIPPED,
      severity: 'warning',
      message: `could not bring this file up to date (${err instanceof Error ? err.message : String(err)}); left unchanged`,
      fix: 'fix the file (or restore the part mlgen manages), then sync again',
      file: path,
      line: 0,
      col: 0,
    },
  ];
}
