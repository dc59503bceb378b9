/**
 * Checks a model before it replaces the previous copy, by the rules the service loads it with: an
 * MLflow model directory's `MLmodel` names its ONNX file, a folder without one holds exactly one
 * `.onnx` file; either way the file must be ONNX.
 *
 * @see https://github.com/mlflow/mlflow/blob/master/mlflow/onnx/__init__.py (flavor keys `data`, `onnx_version`)
 * @see https://github.com/onnx/onnx/blob/main/onnx/onnx.proto (ModelProto: field 7 is `graph`)
 */
import { open } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { locateModelAt, ModelLoadError, type ModelLocation } from '@mlservice/runtime/model-files';
import { MODELS_CODES, ModelsError, type ModelsErrorCode } from './errors.js';

const GRAPH_FIELD = 7;
const MAX_TOP_LEVEL_FIELDS = 100_000;

/**
 * Walks the top-level protobuf fields of a file without loading it: true when they parse cleanly to
 * the end and include a non-empty `graph`. HTML error pages, JSON and truncated files fail this.
 */
export async function looksLikeOnnx(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = Buffer.alloc(10);
    let pos = 0;
    const varint = async (): Promise<number | undefined> => {
      const { bytesRead } = await fh.read(buf, 0, 10, pos);
      let value = 0;
      for (let i = 0, mul = 1; i < bytesRead; i++, mul *= 128) {
        const b = buf[i]!;
        value += (b & 0x7f) * mul;
        if (b < 0x80) {
          pos += i + 1;
          return value;
        }
      }
      return undefined;
    };
    let sawGraph = false;
    for (let n = 0; pos < size && n < MAX_TOP_LEVEL_FIELDS; n++) {
      const tag = await varint();
      const field = tag === undefined ? 0 : Math.floor(tag / 8);
      const wire = tag === undefined ? -1 : tag % 8;
      if (field === 0) return false;
      if (wire === 0) {
        if ((await varint()) === undefined) return false;
      } else if (wire === 1 || wire === 5) {
        pos += wire === 1 ? 8 : 4;
      } else if (wire === 2) {
        const len = await varint();
        if (len === undefined) return false;
        if (field === GRAPH_FIELD && len > 0) sawGraph = true;
        pos += len;
      } else {
        return false;
      }
    }
    return pos === size && sawGraph;
  } finally {
    await fh.close();
  }
}

async function assertOnnxFile(path: string, shown: string, where: string): Promise<void> {
  if (!(await looksLikeOnnx(path))) {
    throw new ModelsError(MODELS_CODES.BAD_SOURCE, `${where}: "${shown}" is not an ONNX model`, 'point `source:` at an .onnx file (or an MLflow model logged with mlflow.onnx.log_model)');
  }
}

/**
 * The runtime's MODEL.* error for a model folder, as a models error naming the model (`where`).
 * Paths under `dir` are shown under `shown.as`; a fault's line and column are kept when that is a
 * path the user has (a staging folder means nothing to them).
 */
function fromModelError(err: ModelLoadError, where: string, dir: string, shown: Shown): ModelsError {
  const detail = err.detail.replaceAll(dir, shown.as);
  if (!err.at || !shown.isPath) return new ModelsError(err.code as ModelsErrorCode, `${where}: ${detail}`, err.fix);
  return new ModelsError(err.code as ModelsErrorCode, `${where}: ${detail}`, err.fix, err.at.file.replace(dir, shown.as), { line: err.at.line, col: err.at.col });
}

/** How messages name a model folder: as a path the user can open, or as a description. */
export interface Shown {
  as: string;
  isPath: boolean;
}

/**
 * Verifies a model folder by the runtime's own rules (`@mlservice/runtime/model-files`: an MLflow
 * directory's MLmodel decides, else exactly one `.onnx` file) and that the file it names is ONNX.
 * Returns the ONNX file's path relative to `dir`.
 */
export async function verifyModelDir(dir: string, where: string, shown: Shown = { as: dir, isPath: true }): Promise<string> {
  let location: ModelLocation;
  try {
    location = await locateModelAt(dir);
  } catch (err) {
    if (err instanceof ModelLoadError) throw fromModelError(err, where, dir, shown);
    throw err;
  }
  const rel = relative(dir, location.file).split(sep).join('/');
  await assertOnnxFile(location.file, rel, where);
  return rel;
}

/** Verifies a single-file model stored as `dir/<fileName>`. */
export async function verifySingleFile(dir: string, fileName: string, where: string): Promise<void> {
  await assertOnnxFile(join(dir, fileName), fileName, where);
}
