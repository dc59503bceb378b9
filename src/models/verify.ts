/**
 * Checks a downloaded model before it replaces the previous copy: an MLflow model directory must
 * have an `MLmodel` whose `onnx` flavor names an existing ONNX file; a single-file source must be ONNX.
 *
 * @see https://github.com/mlflow/mlflow/blob/master/mlflow/onnx/__init__.py (flavor keys `data`, `onnx_version`)
 * @see https://github.com/onnx/onnx/blob/main/onnx/onnx.proto (ModelProto: field 7 is `graph`)
 */
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MODELS_CODES, ModelsError, excerpt } from './errors.js';
import { assertSafeRelativePath } from './paths.js';

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

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

async function assertOnnxFile(path: string, shown: string, where: string): Promise<void> {
  if (!(await looksLikeOnnx(path))) {
    throw new ModelsError(MODELS_CODES.BAD_SOURCE, `${where}: "${shown}" is not an ONNX model`, 'point `source:` at an .onnx file (or an MLflow model logged with mlflow.onnx.log_model)');
  }
}

function noOnnx(where: string, why: string): ModelsError {
  return new ModelsError(MODELS_CODES.NO_ONNX_FLAVOR, `${where}: ${why}`, 'log the model with mlflow.onnx.log_model (convert it first with skl2onnx / onnxmltools / torch.onnx), or point `source:` at an .onnx file');
}

/** The ONNX data file named by `MLmodel`: `flavors.onnx.data`, else `python_function.data` when loaded by mlflow.onnx. */
function onnxDataPath(mlmodel: unknown, where: string): string {
  const flavors = (mlmodel as { flavors?: unknown } | null)?.flavors;
  if (!flavors || typeof flavors !== 'object') throw noOnnx(where, 'MLmodel has no `flavors`');
  const f = flavors as Record<string, { data?: unknown; loader_module?: unknown } | null>;
  const data = f.onnx?.data ?? (f.python_function?.loader_module === 'mlflow.onnx' ? f.python_function.data : undefined);
  if (typeof data !== 'string') {
    throw noOnnx(where, `MLmodel has no onnx flavor (flavors: ${Object.keys(f).join(', ') || 'none'})`);
  }
  return assertSafeRelativePath(data, `${where}: MLmodel flavors.onnx.data`);
}

/** Verifies an MLflow model directory; returns the ONNX file's path relative to `dir`. */
export async function verifyMlflowDir(dir: string, where: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(join(dir, 'MLmodel'), 'utf8');
  } catch {
    throw noOnnx(where, 'the model directory has no MLmodel file');
  }
  let mlmodel: unknown;
  try {
    mlmodel = parse(text);
  } catch (e) {
    throw noOnnx(where, `MLmodel is not valid YAML (${excerpt((e as Error).message, 120)})`);
  }
  const data = onnxDataPath(mlmodel, where);
  const file = join(dir, ...data.split('/'));
  if (!(await isFile(file))) throw noOnnx(where, `MLmodel names "${data}" as the ONNX file, but the directory has no such file`);
  await assertOnnxFile(file, data, where);
  return data;
}

/** Verifies a single-file model stored as `dir/<fileName>`. */
export async function verifySingleFile(dir: string, fileName: string, where: string): Promise<void> {
  await assertOnnxFile(join(dir, fileName), fileName, where);
}
