/**
 * Sync-time reading of the models present under `models/<name>/` (not an emitter: it touches the
 * disk, so the sync orchestration calls it before emitting and reports its diagnostics).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { locate } from '../../config/locate.js';
import { parseYaml } from '../../config/load.js';
import type { ServiceModel } from '../../config/model.js';
import type { Diagnostic } from '../../diagnostics.js';
import { checkModelSignatures, type Locate } from './model-check.js';
import { readOnnxSignature, type OnnxSignature } from './onnx-signature.js';

/** The `.onnx` file of one model directory: MLmodel's onnx flavor data, else the only `.onnx` file. */
export async function findOnnxFile(dir: string): Promise<string | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  if (names.includes('MLmodel')) {
    const mlmodel = parse(await readFile(join(dir, 'MLmodel'), 'utf8')) as { flavors?: { onnx?: { data?: unknown } } };
    const data = mlmodel?.flavors?.onnx?.data;
    if (typeof data === 'string' && !data.includes('..')) return join(dir, data);
  }
  const onnx = names.filter((n) => n.endsWith('.onnx'));
  return onnx.length === 1 ? join(dir, onnx[0]!) : undefined;
}

/**
 * Signatures of the configured models whose files are present; a model that is not pulled yet is
 * simply absent from the map. An unreadable file becomes a diagnostic.
 */
export async function readModelSignatures(root: string, model: ServiceModel, configFile: string): Promise<{ signatures: Map<string, OnnxSignature>; diagnostics: Diagnostic[] }> {
  const signatures = new Map<string, OnnxSignature>();
  const diagnostics: Diagnostic[] = [];
  for (const m of model.models) {
    const file = await findOnnxFile(join(root, 'models', m.name));
    if (!file) continue;
    try {
      signatures.set(m.name, readOnnxSignature(await readFile(file)));
    } catch (err) {
      diagnostics.push({
        code: 'SIGNATURE.UNREADABLE',
        severity: 'error',
        message: `model "${m.name}": ${file.slice(root.length + 1)} is not a readable ONNX model (${(err as Error).message})`,
        fix: 'pull the model again with "mlgen models pull"',
        file: configFile,
        line: 0,
        col: 0,
      });
    }
  }
  return { signatures, diagnostics };
}

/** `file:line:col` of config paths, from the config text as loaded. */
export function configLocator(text: string, file: string): Locate {
  // Parsed on the first call only: a sync without pulled models never needs a position.
  let parsed: ReturnType<typeof parseYaml> | undefined;
  return (segments) => {
    parsed ??= parseYaml(text, file);
    return { file, ...locate(parsed.doc, parsed.lines, segments) };
  };
}

/** Everything in one call: read the present models and check them against the config. */
export async function readAndCheckModels(
  root: string,
  loaded: { model: ServiceModel; path: string; text: string },
): Promise<{ signatures: Map<string, OnnxSignature>; diagnostics: Diagnostic[] }> {
  const { signatures, diagnostics } = await readModelSignatures(root, loaded.model, loaded.path);
  diagnostics.push(...checkModelSignatures(loaded.model, signatures, configLocator(loaded.text, loaded.path)));
  return { signatures, diagnostics };
}

export async function checkModelsOnDisk(root: string, loaded: { model: ServiceModel; path: string; text: string }): Promise<Diagnostic[]> {
  return (await readAndCheckModels(root, loaded)).diagnostics;
}

/**
 * A copy of `model` whose models carry the ONNX inputs sync saw, for the default hooks to use the
 * real input name. Call before emitting; models without a signature are left as they are.
 */
export function withModelInputs(model: ServiceModel, signatures: ReadonlyMap<string, OnnxSignature>): ServiceModel {
  return {
    ...model,
    models: model.models.map((m) => {
      const sig = signatures.get(m.name);
      if (!sig) return m;
      return { ...m, inputs: sig.inputs.map(({ name, elemType, dims }) => ({ name, ...(elemType ? { elemType } : {}), ...(dims ? { dims } : {}) })) };
    }),
  };
}
