/**
 * Shared by the Helm tests: write an emitted chart to a temp dir, render it with a real Helm, and
 * find the models to test (every example config plus the shared fixtures).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import type { ServiceModel } from '../../src/config/model.js';
import { chartDir, emitHelm } from '../../src/emit/helm.js';
import { abModel, minimalModel } from '../../testkit/fixtures.js';
import { helm, type HelmMajor } from '../support/helm.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const tempRoots: string[] = [];
// Registered in the root suite of each test file that imports this module (modules are per file).
afterAll(() => tempRoots.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** Writes the chart of `model` under a fresh temp dir (removed after the test file); returns the chart directory. */
export function writeChart(model: ServiceModel): string {
  const root = mkdtempSync(join(tmpdir(), 'mlgen-helm-'));
  tempRoots.push(root);
  for (const f of emitHelm(model)) {
    const path = join(root, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
  return join(root, chartDir(model));
}

export type K8sObject = Record<string, any>; // rendered manifests are untyped YAML

/** `helm template` -> parsed objects; throws with Helm's stderr when rendering fails. */
export function render(major: HelmMajor, chart: string, args: string[] = []): K8sObject[] {
  const r = helm(major, ['template', 'rel', chart, ...args]);
  if (r.status !== 0) throw new Error(`helm template failed (${r.status}): ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** Models whose charts the tests prove: the fixtures and every `examples/<name>/mlservice.yaml`. */
export async function chartModels(): Promise<Array<[string, ServiceModel]>> {
  const models: Array<[string, ServiceModel]> = [
    ['fixture minimal', minimalModel()],
    ['fixture ab', abModel()],
  ];
  const examples = join(ROOT, 'examples');
  for (const name of readdirSync(examples).sort()) {
    const config = join(examples, name, 'mlservice.yaml');
    if (existsSync(config)) models.push([`example ${name}`, (await loadConfig(config)).model]);
  }
  return models;
}
