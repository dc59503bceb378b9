/** Shared set-up for the models tests: config literals, real ONNX model dirs, directory snapshots. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSource, ModelSpec, ServiceModel } from '../../src/config/model.js';
import { minimalModel } from '../../testkit/fixtures.js';
import { buildMlp, writeMlflowModelDir } from '../../testkit/onnx-builder.js';

/** The ModelSource the config loader produces for a `source:` string (the forms the pull supports). */
export function source(uri: string): ModelSource {
  const alias = /^models:\/([^/]+)@([^@/]+)$/.exec(uri);
  if (alias) return { kind: 'registry-alias', uri, registeredModel: alias[1]!, alias: alias[2]! };
  const reg = /^models:\/([^/]+)\/([^/]+)$/.exec(uri);
  if (reg && reg[2]!.toLowerCase() === 'latest') return { kind: 'registry-latest', uri, registeredModel: reg[1]! };
  if (reg) return { kind: 'registry-version', uri, registeredModel: reg[1]!, version: reg[2]! };
  if (/^https?:\/\//.test(uri)) return { kind: 'https', uri, url: uri };
  return { kind: 'local', uri, path: uri };
}

/** `minimalModel()` with its models replaced by `{name: source}` pairs, in order. */
export function withModels(models: Record<string, string>): ServiceModel {
  const m = minimalModel();
  m.models = Object.entries(models).map(([name, uri]): ModelSpec => ({ name, source: source(uri), runtime: 'onnx' }));
  return m;
}

export async function tempDir(prefix: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `mlgen-${prefix}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * An MLflow model directory as `mlflow.onnx.log_model` leaves it, plus side files that exercise
 * nested listings: external weights, `requirements.txt`, `code/helpers/util.py` and an empty folder.
 */
export async function writeModelDir(dir: string, seed: number, runId: string): Promise<void> {
  await writeMlflowModelDir(dir, buildMlp({ inputDim: 64, hidden: [32], seed }), { externalData: '4b1f0c9e-7a3d-11ef-9c1a-0242ac120002', runId });
  await writeFile(join(dir, 'requirements.txt'), 'mlflow==2.16.0\nonnx==1.16.0\n');
  await mkdir(join(dir, 'code', 'helpers'), { recursive: true });
  await writeFile(join(dir, 'code', 'helpers', 'util.py'), `SEED = ${seed}\n`);
  await mkdir(join(dir, 'extras'), { recursive: true });
}

/** `{relative path: sha256}` of every file under `dir` ({} when it does not exist). */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    const names = await readdir(join(dir, rel)).catch(() => [] as string[]);
    for (const n of names.sort()) {
      const r = rel ? `${rel}/${n}` : n;
      if ((await stat(join(dir, r))).isDirectory()) await walk(r);
      else out[r] = sha256(await readFile(join(dir, r)));
    }
  };
  await walk('');
  return out;
}

/** The lock entry's `files` and digest, computed independently of src/models for exact assertions. */
export function expectedFiles(snap: Record<string, string>, sizes: Record<string, number>): { files: Array<{ path: string; sha256: string; size: number }>; sha256: string } {
  const files = Object.keys(snap)
    .sort()
    .map((path) => ({ path, sha256: snap[path]!, size: sizes[path]! }));
  return { files, sha256: sha256(files.map((f) => `${f.path}\0${f.sha256}\n`).join('')) };
}

export async function sizes(dir: string, paths: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of paths) out[p] = (await stat(join(dir, p))).size;
  return out;
}
