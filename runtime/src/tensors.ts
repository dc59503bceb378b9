/**
 * Rows <-> tensors: stack per-row element arrays of each input into one `[n, ...dims]` tensor,
 * and split a batch's outputs back into per-row slices. The first dimension is always the batch.
 */
import { getFloat16, setFloat16 } from '@petamoriken/float16';
import type * as ort from 'onnxruntime-node';
import type { WireTensor } from './session-host.js';
import type { ModelOutputRow, ModelRow, RowData } from './types.js';

/** One model input or output, with the batch dimension removed from `dims`. */
export interface IoSpec {
  name: string;
  type: ort.Tensor.Type;
  dims: Array<number | string>;
}

type NumericArray = Float32Array | Float64Array | Int32Array | BigInt64Array | BigUint64Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array;
type ArrayCtor = { new (n: number): NumericArray };

const ARRAYS: Partial<Record<ort.Tensor.Type, ArrayCtor>> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  uint32: Uint32Array,
  int8: Int8Array,
  int16: Int16Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  bool: Uint8Array,
  // onnxruntime-node takes float16 as the IEEE 754 half bits in a Uint16Array (Node 20 has no Float16Array).
  float16: Uint16Array,
};

/** Elements per row when every non-batch dim is known; null when one is symbolic. */
export function staticRowSize(spec: IoSpec): number | null {
  let size = 1;
  for (const d of spec.dims) {
    if (typeof d !== 'number' || d < 0) return null;
    size *= d;
  }
  return size;
}

/** Checks a row before it is queued, so a bad row fails its own request, not the whole batch. */
export function rowProblem(row: ModelRow, inputs: IoSpec[]): string | null {
  for (const spec of inputs) {
    const data = row[spec.name];
    if (data === undefined) return `row has no value for model input "${spec.name}"`;
    const expected = staticRowSize(spec);
    if (expected !== null && data.length !== expected) {
      return `model input "${spec.name}" needs ${expected} elements per row, got ${data.length}`;
    }
  }
  return null;
}

function fill(target: NumericArray | unknown[], offset: number, data: RowData, type: ort.Tensor.Type): void {
  if (type === 'float16') {
    const view = new DataView((target as Uint16Array).buffer);
    for (let i = 0; i < data.length; i++) setFloat16(view, (offset + i) * 2, Number(data[i]), true);
    return;
  }
  if (type === 'int64' || type === 'uint64') {
    const t = target as BigInt64Array | BigUint64Array;
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number | bigint;
      t[offset + i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(v));
    }
    return;
  }
  // Rows hold one kind of element: numbers (plain or typed) copy in one native call, which also
  // converts them to the target's type; booleans and bigints go element by element.
  const bigints = data instanceof BigInt64Array || data instanceof BigUint64Array;
  if (!Array.isArray(target) && !bigints && (ArrayBuffer.isView(data) || typeof data[0] === 'number')) {
    (target as Float32Array).set(data as ArrayLike<number>, offset);
    return;
  }
  const t = target as unknown[];
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    t[offset + i] = typeof v === 'boolean' ? Number(v) : typeof v === 'bigint' ? Number(v) : v;
  }
}

/** Stacks one input over all rows into `[n, ...dims]`; a symbolic dim takes the rows' common length. */
function stackInput(rows: ModelRow[], spec: IoSpec): WireTensor {
  const rowSize = rows[0]![spec.name]!.length;
  for (const r of rows) {
    if (r[spec.name]!.length !== rowSize) throw new Error(`rows disagree on the length of input "${spec.name}"`);
  }
  const symbolic = spec.dims.filter((d) => typeof d !== 'number' || d < 0).length;
  if (symbolic > 1) throw new Error(`input "${spec.name}" has ${symbolic} symbolic non-batch dims; only one is supported`);
  const known = spec.dims.reduce<number>((a, d) => (typeof d === 'number' && d >= 0 ? a * d : a), 1);
  const dims = [rows.length, ...spec.dims.map((d) => (typeof d === 'number' && d >= 0 ? d : rowSize / known))];
  const Ctor = ARRAYS[spec.type];
  const target: NumericArray | unknown[] = Ctor ? new Ctor(rows.length * rowSize) : new Array<unknown>(rows.length * rowSize);
  for (let i = 0; i < rows.length; i++) fill(target, i * rowSize, rows[i]![spec.name]!, spec.type);
  return { name: spec.name, type: spec.type, data: target as WireTensor['data'], dims };
}

export function stackRows(rows: ModelRow[], inputs: IoSpec[]): WireTensor[] {
  return inputs.map((spec) => stackInput(rows, spec));
}

/** Splits each output tensor `[n, ...]` into n row slices (copies, so rows outlive the batch). */
export function splitOutputs(results: WireTensor[], names: string[], n: number): ModelOutputRow[] {
  const rows: ModelOutputRow[] = Array.from({ length: n }, () => ({}));
  for (const name of names) {
    const tensor = results.find((t) => t.name === name);
    if (!tensor) throw new Error(`model returned no output "${name}"`);
    const data = tensor.type === 'float16' ? halfToFloat(tensor.data as Uint16Array) : (tensor.data as NumericArray | string[]);
    const size = data.length / n;
    for (let i = 0; i < n; i++) rows[i]![name] = data.slice(i * size, (i + 1) * size) as RowData;
  }
  return rows;
}

/** float16 output bits -> numbers, so hooks see values, not bit patterns. */
function halfToFloat(bits: Uint16Array): Float32Array {
  const view = new DataView(bits.buffer, bits.byteOffset, bits.byteLength);
  return Float32Array.from({ length: bits.length }, (_, i) => getFloat16(view, i * 2, true));
}

/** A row of zeros (or empty strings) shaped like the inputs, for warm-up; symbolic dims become 1. */
export function zeroRow(inputs: IoSpec[]): ModelRow {
  const row: ModelRow = {};
  for (const spec of inputs) {
    const size = spec.dims.reduce<number>((a, d) => a * (typeof d === 'number' && d >= 0 ? d : 1), 1);
    const Ctor = ARRAYS[spec.type];
    row[spec.name] = Ctor ? (new Ctor(size) as RowData) : spec.type === 'string' ? new Array<string>(size).fill('') : new Array<number>(size).fill(0);
  }
  return row;
}
