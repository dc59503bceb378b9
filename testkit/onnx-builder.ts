/**
 * Builds real ONNX model bytes offline (no Python, no downloads) for tests, with the `onnx-proto`
 * protobuf classes. Weights come from a seeded PRNG, so the same options always give the same bytes.
 * Models use a dynamic batch dimension (`dim_param: 'batch'`), float32 math and opset 17.
 *
 * @see https://github.com/onnx/onnx/blob/main/docs/IR.md
 * @see https://github.com/onnx/onnx/blob/main/docs/Operators.md
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { stringify } from 'yaml';

const { onnx } = onnxProto;
type Node = InstanceType<typeof onnx.NodeProto>;
type Tensor = InstanceType<typeof onnx.TensorProto>;
type ValueInfo = InstanceType<typeof onnx.ValueInfoProto>;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const OPSET = 17;
const ML_OPSET = 3;

/** An extra int64 ids input `[batch, count]`, embedded with Gather and flattened in front of the MLP. */
export interface IdsInput {
  name: string;
  count: number;
  vocab: number;
  embedDim: number;
}

export interface MlpOptions {
  inputName?: string;
  inputDim: number;
  hidden?: number[];
  outputDim?: number;
  outputName?: string;
  seed?: number;
  activation?: 'relu' | 'tanh';
  ids?: IdsInput;
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; enough for test weights. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function floatTensor(name: string, dims: number[], values: Float32Array): Tensor {
  const raw = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  return onnx.TensorProto.create({ name, dims, dataType: FLOAT, rawData: raw });
}

/** Uniform(-s, s) weights with s = 1/sqrt(fanIn) keep activations in a range where Sigmoid varies. */
function randomTensor(name: string, dims: number[], fanIn: number, rand: () => number): Tensor {
  const size = dims.reduce((a, b) => a * b, 1);
  const scale = 1 / Math.sqrt(fanIn);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = (rand() * 2 - 1) * scale;
  return floatTensor(name, dims, values);
}

function node(opType: string, input: string[], output: string[], attrs: Record<string, number> = {}, domain = ''): Node {
  const attribute = Object.entries(attrs).map(([name, i]) => onnx.AttributeProto.create({ name, i, type: onnx.AttributeProto.AttributeType.INT }));
  return onnx.NodeProto.create({ opType, input, output, attribute, domain, name: `${opType}_${output[0]}` });
}

function tensorValue(name: string, elemType: number, dims: Array<number | string>): ValueInfo {
  const dim = dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType, shape: { dim } } } });
}

interface GraphParts {
  nodes: Node[];
  initializers: Tensor[];
  inputs: ValueInfo[];
}

/** Gather(embedding, ids) -> [batch, count, embedDim] -> Flatten -> [batch, count*embedDim]. */
function embedIds(ids: IdsInput, rand: () => number, parts: GraphParts): { name: string; width: number } {
  parts.inputs.push(tensorValue(ids.name, INT64, ['batch', ids.count]));
  parts.initializers.push(randomTensor('embedding', [ids.vocab, ids.embedDim], 1, rand));
  parts.nodes.push(node('Gather', ['embedding', ids.name], ['embedded'], { axis: 0 }));
  parts.nodes.push(node('Flatten', ['embedded'], ['embedded_flat'], { axis: 1 }));
  return { name: 'embedded_flat', width: ids.count * ids.embedDim };
}

/** Hidden layers use Gemm; the last layer uses MatMul + Add so both paths are exercised. */
function mlpLayers(start: string, width: number, opts: MlpOptions, rand: () => number, parts: GraphParts): string {
  let current = start;
  (opts.hidden ?? [8]).forEach((size, i) => {
    parts.initializers.push(randomTensor(`W${i}`, [width, size], width, rand), randomTensor(`B${i}`, [size], width, rand));
    parts.nodes.push(node('Gemm', [current, `W${i}`, `B${i}`], [`h${i}`]));
    parts.nodes.push(node(opts.activation === 'tanh' ? 'Tanh' : 'Relu', [`h${i}`], [`a${i}`]));
    current = `a${i}`;
    width = size;
  });
  const outDim = opts.outputDim ?? 1;
  parts.initializers.push(randomTensor('Wout', [width, outDim], width, rand), randomTensor('Bout', [outDim], width, rand));
  parts.nodes.push(node('MatMul', [current, 'Wout'], ['logits_mm']));
  parts.nodes.push(node('Add', ['logits_mm', 'Bout'], ['logits']));
  return 'logits';
}

function mlpGraph(opts: MlpOptions): GraphParts & { logits: string } {
  const rand = seededRandom(opts.seed ?? 1);
  const inputName = opts.inputName ?? 'features';
  const parts: GraphParts = { nodes: [], initializers: [], inputs: [tensorValue(inputName, FLOAT, ['batch', opts.inputDim])] };
  let start = inputName;
  let width = opts.inputDim;
  if (opts.ids) {
    const embedded = embedIds(opts.ids, rand, parts);
    parts.nodes.push(node('Concat', [inputName, embedded.name], ['joined'], { axis: 1 }));
    start = 'joined';
    width += embedded.width;
  }
  return { ...parts, logits: mlpLayers(start, width, opts, rand, parts) };
}

function encodeModel(parts: GraphParts, outputs: ValueInfo[], mlDomain = false): Uint8Array {
  const opsetImport = [{ domain: '', version: OPSET }, ...(mlDomain ? [{ domain: 'ai.onnx.ml', version: ML_OPSET }] : [])];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'mlgen-test-onnx-builder',
    opsetImport,
    graph: { name: 'mlp', node: parts.nodes, initializer: parts.initializers, input: parts.inputs, output: outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** An MLP `[batch, inputDim] (+ ids) -> [batch, outputDim]` ending in Sigmoid. */
export function buildMlp(opts: MlpOptions): Uint8Array {
  const g = mlpGraph(opts);
  const outputName = opts.outputName ?? 'score';
  g.nodes.push(node('Sigmoid', [g.logits], [outputName]));
  return encodeModel(g, [tensorValue(outputName, FLOAT, ['batch', opts.outputDim ?? 1])]);
}

/**
 * A classifier shaped like scikit-learn's skl2onnx export: `label` (int64 `[batch]`) and
 * `probabilities` as `seq(map(int64, float))` from ai.onnx.ml ZipMap, which onnxruntime-node cannot return.
 */
export function buildZipMapClassifier(opts: { inputName?: string; inputDim: number; classes: number; seed?: number }): Uint8Array {
  const g = mlpGraph({ inputName: opts.inputName, inputDim: opts.inputDim, outputDim: opts.classes, seed: opts.seed, hidden: [8] });
  g.nodes.push(node('Softmax', [g.logits], ['probability_tensor'], { axis: 1 }));
  g.nodes.push(node('ArgMax', ['probability_tensor'], ['label'], { axis: 1, keepdims: 0 }));
  const zipmap = node('ZipMap', ['probability_tensor'], ['probabilities'], {}, 'ai.onnx.ml');
  const labels = Array.from({ length: opts.classes }, (_, i) => i);
  zipmap.attribute.push(onnx.AttributeProto.create({ name: 'classlabels_int64s', ints: labels, type: onnx.AttributeProto.AttributeType.INTS }));
  g.nodes.push(zipmap);
  const mapType = { mapType: { keyType: INT64, valueType: { tensorType: { elemType: FLOAT } } } };
  const probabilities = onnx.ValueInfoProto.create({ name: 'probabilities', type: { sequenceType: { elemType: mapType } } });
  return encodeModel(g, [tensorValue('label', INT64, ['batch']), probabilities], true);
}

/**
 * Moves every initializer of at least `threshold` bytes into one side file, the way
 * `onnx.save_model(save_as_external_data=True)` does (MLflow's default).
 * @see https://github.com/onnx/onnx/blob/main/docs/ExternalData.md
 */
export function externalizeWeights(bytes: Uint8Array, location: string, threshold = 1024): { model: Uint8Array; data: Uint8Array } {
  const model = onnx.ModelProto.decode(bytes);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const t of model.graph?.initializer ?? []) {
    if (!t.rawData || t.rawData.length < threshold) continue;
    const length = t.rawData.length;
    chunks.push(t.rawData);
    t.externalData = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(length) },
    ];
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.rawData = new Uint8Array(0);
    offset += length;
  }
  return { model: onnx.ModelProto.encode(model).finish(), data: Buffer.concat(chunks) };
}

export interface MlflowDirOptions {
  /** Name of a side file to move large initializers into (MLflow writes a uuid-like name). */
  externalData?: string;
  runId?: string;
}

/**
 * Writes the directory `mlflow.onnx.save_model` produces (the parts a server needs):
 * `MLmodel` with the `onnx` and `python_function` flavors, and `model.onnx` (+ external weights).
 * @see https://github.com/mlflow/mlflow/blob/master/mlflow/onnx/__init__.py
 */
export async function writeMlflowModelDir(dir: string, bytes: Uint8Array, opts: MlflowDirOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  let modelBytes = bytes;
  if (opts.externalData) {
    const split = externalizeWeights(bytes, opts.externalData);
    modelBytes = split.model;
    await writeFile(join(dir, opts.externalData), split.data);
  }
  await writeFile(join(dir, 'model.onnx'), modelBytes);
  const mlmodel = {
    artifact_path: 'model',
    flavors: {
      onnx: { code: null, data: 'model.onnx', onnx_version: '1.16.0', providers: ['CUDAExecutionProvider', 'CPUExecutionProvider'] },
      python_function: { data: 'model.onnx', env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' }, loader_module: 'mlflow.onnx', python_version: '3.11.9' },
    },
    mlflow_version: '2.16.0',
    model_uuid: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
    run_id: opts.runId ?? '5f2c1b0e9d8a4c7b8e6f5a4d3c2b1a09',
    utc_time_created: '2026-11-01 10:00:00.000000',
  };
  await writeFile(join(dir, 'MLmodel'), stringify(mlmodel));
}

/** ONNX `TensorProto.DataType` per onnxruntime-node tensor type name. */
export const ONNX_ELEM_TYPES = {
  float32: onnx.TensorProto.DataType.FLOAT,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  uint16: onnx.TensorProto.DataType.UINT16,
  int16: onnx.TensorProto.DataType.INT16,
  int32: onnx.TensorProto.DataType.INT32,
  int64: INT64,
  bool: onnx.TensorProto.DataType.BOOL,
  float16: onnx.TensorProto.DataType.FLOAT16,
  float64: onnx.TensorProto.DataType.DOUBLE,
  uint32: onnx.TensorProto.DataType.UINT32,
  uint64: onnx.TensorProto.DataType.UINT64,
} as const;

/**
 * `x: [batch, width]` of `inputType` -> `y: [batch, width]` float32: `Cast` (every element type
 * onnxruntime-node feeds becomes float32, so an answer shows exactly what reached the model), or
 * `Log` on float32 input (log 0 = -Infinity, log -1 = NaN: non-finite answers on valid input).
 */
export function buildElementwise(opts: { op: 'Cast' | 'Log'; inputType: keyof typeof ONNX_ELEM_TYPES; width: number }): Uint8Array {
  const nodes = [opts.op === 'Cast' ? node('Cast', ['x'], ['y'], { to: FLOAT }) : node('Log', ['x'], ['y'])];
  const parts: GraphParts = { nodes, initializers: [], inputs: [tensorValue('x', ONNX_ELEM_TYPES[opts.inputType], ['batch', opts.width])] };
  return encodeModel(parts, [tensorValue('y', FLOAT, ['batch', opts.width])]);
}
