import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { OutputFile } from '../../src/emit/types.js';
import type { ConfigSource } from '../../src/sync/plan.js';

export const CONFIG: ConfigSource = { path: 'mlservice.yaml', text: 'apiVersion: mlservice/v1\n' };

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A fresh real directory, removed after the test. */
export async function tempProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mlgen-sync-'));
  dirs.push(dir);
  return dir;
}

export function gen(path: string, content: string, emitter = 'test'): OutputFile {
  return { path, content, owner: 'generated', emitter, inputs: ['/service'] };
}

/** A scaffold whose `update` appends a stub line once (idempotent, like a ts-morph hook insert). */
export function scaffold(path: string, content: string, stub?: string): OutputFile {
  const update = stub === undefined ? undefined : (s: string) => (s.includes(stub) ? s : `${s}${stub}\n`);
  return { path, content, owner: 'scaffold', emitter: 'test', inputs: [], ...(update ? { update } : {}) };
}

export interface TreeEntry {
  sha256: string;
  mtimeMs: number;
}

/** Every file under `root` (recursively, `.git` excluded) with its hash and mtime. */
export async function snapshotTree(root: string, dir = ''): Promise<Record<string, TreeEntry>> {
  const out: Record<string, TreeEntry> = {};
  for (const ent of await readdir(join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${ent.name}` : ent.name;
    if (ent.name === '.git') continue;
    if (ent.isDirectory()) Object.assign(out, await snapshotTree(root, rel));
    else if (ent.isFile()) {
      const abs = join(root, rel);
      const bytes = await readFile(abs);
      out[rel] = { sha256: createHash('sha256').update(bytes).digest('hex'), mtimeMs: (await stat(abs)).mtimeMs };
    }
  }
  return out;
}

/** Just the hashes of a snapshot, for content comparisons that ignore mtimes. */
export function hashes(tree: Record<string, TreeEntry>): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, v.sha256]));
}

export const read = (root: string, path: string): Promise<string> => readFile(join(root, path), 'utf8');
