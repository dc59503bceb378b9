/**
 * Sync-time reading of the models (not an emitter: it touches the disk, so the sync orchestration
 * calls it before emitting and reports its diagnostics). It reads exactly the ONNX file the service
 * will load, found by the runtime's own rules (`@mlservice/runtime/model-files`): `models/<name>/`
 * or `models/<name>.onnx` once pulled; before that, for a local `source:`, the file or MLflow
 * directory that `mlgen models pull` will copy there byte for byte. A registry or https model not
 * pulled yet is simply absent.
 */
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { locateModel, locateModelAt, ModelLoadError, type ModelLocation } from '@mlservice/runtime/model-files';
import { locate } from '../config/locate.js';
import { parseYaml } from '../config/load.js';
import type { ModelSpec, ServiceModel } from '../config/model.js';
import type { Diagnostic } from '../diagnostics.js';
import { checkModelSignatures, type Locate } from './signature-check.js';
import { readOnnxSignature, type OnnxSignature } from './onnx-signature.js';

/** Where the service will find model `m` of the project at `root`; null when it is not there yet. */
export async function modelLocation(root: string, m: Pick<ModelSpec, 'name' | 'source'>): Promise<ModelLocation | null> {
  const absent = (err: unknown) => {
    if (err instanceof ModelLoadError && err.code === 'MODEL.NOT_FOUND') return null;
    throw err;
  };
  const pulled = await locateModel(join(root, 'models'), m.name).catch(absent);
  if (pulled || m.source.kind !== 'local') return pulled;
  return locateModelAt(resolve(root, m.source.path)).catch(absent);
}

/**
 * Signatures of the configured models whose files are present; a model that is not pulled yet is
 * simply absent from the map. A model folder or file that cannot be read becomes a diagnostic with
 * the runtime's MODEL.* code (at the MLmodel's line and column when the fault is in its text).
 */
export async function readModelSignatures(
  root: string,
  model: ServiceModel,
  configFile: string,
  at: Locate = () => ({ file: configFile, line: 0, col: 0 }),
): Promise<{ signatures: Map<string, OnnxSignature>; diagnostics: Diagnostic[] }> {
  const signatures = new Map<string, OnnxSignature>();
  const diagnostics: Diagnostic[] = [];
  const shown = (path: string) => relative(root, path) || '.';
  for (const [i, m] of model.models.entries()) {
    let found: ModelLocation | null;
    try {
      found = await modelLocation(root, m);
    } catch (err) {
      if (!(err instanceof ModelLoadError)) throw err;
      const where = err.at ? { ...err.at, file: shown(err.at.file) } : at(['models', String(i), 'source']);
      diagnostics.push({ code: err.code, severity: 'error', message: `model "${m.name}": ${err.detail.replaceAll(root + '/', '')}`, fix: err.fix, ...where });
      continue;
    }
    if (!found) {
      if (m.source.kind === 'local') {
        diagnostics.push({
          code: 'SIGNATURE.NOT_THERE',
          severity: 'warning',
          message: `model "${m.name}": ${m.source.path} is not there yet, so its inputs were not checked and the default hooks use the input name "input"`,
          fix: `put the model at ${m.source.path} and run mlgen sync again`,
          ...at(['models', String(i), 'source']),
        });
      }
      continue;
    }
    try {
      signatures.set(m.name, readOnnxSignature(await readFile(found.file)));
    } catch (err) {
      diagnostics.push({
        code: 'SIGNATURE.UNREADABLE',
        severity: 'error',
        message: `model "${m.name}": ${shown(found.file)} is not a readable ONNX model (${(err as Error).message})`,
        fix: m.source.kind === 'local' ? 'point `source:` at a complete ONNX model' : 'pull the model again with "mlgen models pull"',
        ...at(['models', String(i), 'source']),
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
export async function readAndCheckModels(root: string, loaded: { model: ServiceModel; path: string; text: string }): Promise<{ signatures: Map<string, OnnxSignature>; diagnostics: Diagnostic[] }> {
  const at = configLocator(loaded.text, loaded.path);
  const { signatures, diagnostics } = await readModelSignatures(root, loaded.model, loaded.path, at);
  diagnostics.push(...checkModelSignatures(loaded.model, signatures, at));
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
