/**
 * Where a model's ONNX file is, and what its MLflow `MLmodel` says: the one reader of model
 * folders, used by the service at start-up, by `mlgen sync` (signature checks, default hooks) and
 * by `mlgen models pull` (verification before a model is installed), so all three agree on every
 * folder and report the same MODEL.* codes. No onnxruntime import: the generator loads this module
 * through the package export `@mlservice/runtime/model-files`.
 *
 * The rules, for a model folder:
 * - an `MLmodel` decides: its `onnx` flavor's `data` (or `python_function.data` when the pyfunc
 *   loader is `mlflow.onnx`) names the ONNX file, inside the folder; a folder whose MLmodel has no
 *   such flavor is not an ONNX model, whatever `.onnx` files lie next to it;
 * - without `MLmodel`, exactly one `.onnx` file;
 * and for a model name under the models directory: the folder `<name>/`, else the file `<name>.onnx`.
 * @see https://github.com/mlflow/mlflow/blob/master/mlflow/onnx/__init__.py (flavor keys `data`, `onnx_session_options`)
 * @see https://github.com/mlflow/mlflow/blob/master/mlflow/models/model.py (MLmodel: `flavors`, `run_id`)
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, parseDocument } from 'yaml';

/** A model that cannot be found or read; `file:line:col` is set when the fault is in a file's text. */
export class ModelLoadError extends Error {
  constructor(
    readonly code: string,
    /** What is wrong, without the code or the position. */
    readonly detail: string,
    readonly fix: string,
    readonly at?: { file: string; line: number; col: number },
  ) {
    super(`${code} ${at ? `${at.file}:${at.line}:${at.col}: ` : ''}${detail}\nfix: ${fix}`);
    this.name = 'ModelLoadError';
  }
}

/** What an MLflow model folder's `MLmodel` says that serving needs. */
export interface MlModel {
  /** The ONNX file, relative to the folder, `/`-separated. */
  data: string;
  runId: string | null;
  /** `flavors.onnx.onnx_session_options`, as written. */
  sessionOptions: Record<string, unknown>;
}

export interface ModelLocation {
  /** The ONNX file onnxruntime opens (external weights resolve next to it). */
  file: string;
  /** The MLflow folder's MLmodel, when the model is one. */
  mlmodel: MlModel | null;
}

async function kind(path: string): Promise<'file' | 'dir' | null> {
  const s = await stat(path).catch(() => null);
  return s === null ? null : s.isDirectory() ? 'dir' : 'file';
}

function record(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** `data` must name a file inside the model folder: relative, `/`-separated, no `..`. */
function safeData(data: string, mlmodelFile: string): string {
  const parts = data.split('/').filter((p) => p !== '' && p !== '.');
  if (data.startsWith('/') || data.includes('\\') || /^[A-Za-z]:/.test(data) || parts.includes('..') || parts.length === 0) {
    throw new ModelLoadError('MODEL.BAD_PATH', `${mlmodelFile} names data file "${data}" outside the model directory`, "the onnx flavor's data must be a file inside the model directory");
  }
  return parts.join('/');
}

/** Parses an `MLmodel` text; a YAML fault is MODEL.BAD_MLMODEL at its line and column. */
export function parseMlmodel(text: string, mlmodelFile: string): MlModel {
  const doc = parseDocument(text);
  const fault = doc.errors[0];
  if (fault) {
    const [line, col] = fault.linePos?.[0] ? [fault.linePos[0].line, fault.linePos[0].col] : [1, 1];
    const why = fault.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new ModelLoadError('MODEL.BAD_MLMODEL', `${mlmodelFile} is not valid YAML: ${why}`, 'restore the MLmodel file MLflow wrote (download the model again)', { file: mlmodelFile, line, col });
  }
  if (!isMap(doc.contents)) {
    throw new ModelLoadError('MODEL.BAD_MLMODEL', `${mlmodelFile} is not a YAML mapping`, 'restore the MLmodel file MLflow wrote (download the model again)', { file: mlmodelFile, line: 1, col: 1 });
  }
  const mlmodel = record(doc.toJS())!;
  const flavors = record(mlmodel.flavors) ?? {};
  const onnx = record(flavors.onnx);
  const pyfunc = record(flavors.python_function);
  const data = onnx?.data ?? (pyfunc?.loader_module === 'mlflow.onnx' ? pyfunc.data : undefined);
  if (typeof data !== 'string' || data === '') {
    const names = Object.keys(flavors).join(', ') || 'none';
    throw new ModelLoadError(
      'MODEL.NOT_ONNX',
      `${mlmodelFile} has no "onnx" flavor (flavors: ${names})`,
      'log the model with mlflow.onnx.log_model (convert it first with skl2onnx, onnxmltools or torch.onnx), or point `source:` at an .onnx file',
    );
  }
  return {
    data: safeData(data, mlmodelFile),
    runId: typeof mlmodel.run_id === 'string' ? mlmodel.run_id : null,
    sessionOptions: record(onnx?.onnx_session_options) ?? {},
  };
}

/** Reads `<dir>/MLmodel`; null when the folder has none. */
export async function readMlmodel(dir: string): Promise<MlModel | null> {
  const file = join(dir, 'MLmodel');
  if ((await kind(file)) !== 'file') return null;
  return parseMlmodel(await readFile(file, 'utf8'), file);
}

/** The ONNX file of a model folder or file at `path` (a folder by the rules above). */
export async function locateModelAt(path: string): Promise<ModelLocation> {
  const k = await kind(path);
  if (k === null) throw new ModelLoadError('MODEL.NOT_FOUND', `${path} does not exist`, 'run `mlgen models pull`, or fix the path');
  if (k === 'file') return { file: path, mlmodel: null };
  const mlmodel = await readMlmodel(path);
  if (mlmodel) {
    const file = join(path, ...mlmodel.data.split('/'));
    if ((await kind(file)) !== 'file') {
      throw new ModelLoadError(
        'MODEL.NO_DATA_FILE',
        `${join(path, 'MLmodel')} names "${mlmodel.data}" as the ONNX file, but ${path} has no such file`,
        'download the whole MLflow model directory again (MLmodel and its data file)',
      );
    }
    return { file, mlmodel };
  }
  const onnxFiles = (await readdir(path)).filter((f) => f.endsWith('.onnx'));
  if (onnxFiles.length === 1) return { file: join(path, onnxFiles[0]!), mlmodel: null };
  throw new ModelLoadError('MODEL.AMBIGUOUS', `${path} has no MLmodel and ${onnxFiles.length} .onnx files`, 'keep the MLflow model directory as downloaded, or leave exactly one .onnx file in it');
}

/** The model named `name` under `modelsDir`: the folder `<name>/`, else the file `<name>.onnx`. */
export async function locateModel(modelsDir: string, name: string): Promise<ModelLocation> {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new ModelLoadError('MODEL.BAD_NAME', `model name ${JSON.stringify(name)} is not a single folder name`, 'name models with lower-case letters, digits and dashes');
  }
  const base = join(modelsDir, name);
  if ((await kind(base)) !== null) return locateModelAt(base);
  if ((await kind(`${base}.onnx`)) === 'file') return { file: `${base}.onnx`, mlmodel: null };
  throw new ModelLoadError('MODEL.NOT_FOUND', `no model "${name}" in ${modelsDir}`, 'run `mlgen models pull`, or set MLSERVICE_MODELS_DIR to the folder holding the models');
}
